/** The size benchmark's yardstick: Lit's own entry point, bundled and minified like the CDN file. */
export * from 'lit';
