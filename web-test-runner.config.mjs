// Browser tests: headless Chromium (Debian's), TypeScript through esbuild, and reference
// progress servers on loopback driven by the tests (test/browser/progress-server-plugin.ts).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { progressServerPlugin } from './test/browser/progress-server-plugin.ts';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './scripts/chromium.ts';

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  concurrentBrowsers: 1,
  testFramework: { config: { timeout: 20000 } },
  // Test files run one after another in the same tab: start each with an empty sessionStorage,
  // as a new tab would, so that what one file's clients kept does not reach the next.
  testRunnerHtml: (testFramework) =>
    `<html><head><script>sessionStorage.clear()</script></head><body><script type="module" src="${testFramework}"></script></body></html>`,
  testsFinishTimeout: 10 * 60 * 1000,
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        args: [...CHROMIUM_FLAGS],
      },
    }),
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), progressServerPlugin()],
};
