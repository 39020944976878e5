/** Svelte 5: the app in test/embed/apps/svelte, type-checked by svelte-check and built by Vite with @sveltejs/vite-plugin-svelte. */
import { embeddingSuite } from './harness.js';

embeddingSuite({
  name: 'Svelte 5 app',
  app: 'svelte',
  checks: [['svelte-check', ['--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'machine']]],
  build: ['vite', ['build']],
  out: 'dist',
});
