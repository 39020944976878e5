/** What a page showing Material Web's linear progress ships: `md-linear-progress`, with its share of Material Web and Lit. */
import '@material/web/progress/linear-progress.js';
