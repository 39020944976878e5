/** What a page showing Shoelace's progress bar ships: `sl-progress-bar`, cherry-picked as Shoelace documents, with its share of Shoelace and Lit. */
import '@shoelace-style/shoelace/dist/components/progress-bar/progress-bar.js';
