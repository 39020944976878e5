/** Vue 3: the app in test/embed/apps/vue, type-checked by vue-tsc and built by Vite with @vitejs/plugin-vue. */
import { embeddingSuite } from './harness.js';

embeddingSuite({
  name: 'Vue 3 app',
  app: 'vue',
  checks: [['vue-tsc', ['--noEmit', '-p', 'tsconfig.json']]],
  build: ['vite', ['build']],
  out: 'dist',
});
