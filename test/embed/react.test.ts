/** React 19: the app in test/embed/apps/react, type-checked by tsc and built by Vite with @vitejs/plugin-react. */
import { embeddingSuite } from './harness.js';

embeddingSuite({
  name: 'React 19 app',
  app: 'react',
  checks: [['tsc', ['-p', 'tsconfig.json']]],
  build: ['vite', ['build']],
  out: 'dist',
});
