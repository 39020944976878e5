// Browser tests: headless Chromium (Debian's), TypeScript through esbuild, and reference
// progress servers on loopback driven by the tests (test/browser/progress-server-plugin.ts).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { progressServerPlugin } from './test/browser/progress-server-plugin.ts';

const executablePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';

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
        executablePath,
        args: [
          '--no-sandbox',
          '--headless=new',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      },
    }),
  ],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022' }), progressServerPlugin()],
};
