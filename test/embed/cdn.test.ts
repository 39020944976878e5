/**
 * Plain HTML pages that load only the CDN build (dist/cdn): the ES module with Lit inlined, and
 * the classic script for `<script src>`. Same scenario as the framework apps; and no request
 * but the page, its own script and the one CDN file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkBuilt, collectPageErrors, launchChromium, PAGES, ROOT, runScenario, serveStatic, startProgressServer } from './harness.js';

describe('CDN build in a plain page', () => {
  const pages = [
    { page: 'cdn-module.html', file: '/dist/cdn/progress-elements.js', what: 'ES module' },
    { page: 'cdn-classic.html', file: '/dist/cdn/progress-elements.iife.js', what: 'classic script' },
  ];
  for (const { page, file, what } of pages) {
    it(`${what}: ${file} alone defines the tags and exposes configureProgress`, { timeout: 60_000 }, async (t) => {
      checkBuilt();
      const site = await serveStatic({ '/': PAGES, '/dist/': join(ROOT, 'dist') });
      t.after(() => site.close());
      const progress = await startProgressServer();
      t.after(() => progress.server.close());
      const browser = await launchChromium();
      t.after(() => browser.close());
      await runScenario(await browser.newPage(), `${site.url}/${page}`, progress);
      assert.deepEqual([...new Set(site.requests)].filter((p) => p !== '/favicon.ico').sort(), [`/${page}`, file, '/page.js'].sort(), 'nothing loaded but the page, its script and the CDN file');
    });
  }

  it('ES module: <task-log> is a file of its own, loaded when the page first shows one, live from line 1', { timeout: 60_000 }, async (t) => {
    checkBuilt();
    const site = await serveStatic({ '/': PAGES, '/dist/': join(ROOT, 'dist') });
    t.after(() => site.close());
    const progress = await startProgressServer();
    t.after(() => progress.server.close());
    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${site.url}/cdn-task-log.html?ws=${encodeURIComponent(progress.template)}`);
    await page.waitForFunction(() => 'progressClient' in window);
    const logFile = (path: string) => /^\/dist\/cdn\/task-log-[\w-]+\.js$/.test(path);
    assert.equal(site.requests.filter(logFile).length, 0, 'no <task-log> code before the page shows one');
    assert.equal(await page.evaluate(() => customElements.get('task-log') === undefined), true);

    // Added inside another element, after the page has loaded.
    await page.click('#show-log');
    await page.waitForFunction(() => customElements.get('task-log') !== undefined, undefined, { timeout: 15_000 });
    await page.waitForFunction(() => (window as unknown as { progressClient: { isConnected(p: string): boolean } }).progressClient.isConnected('p1'), undefined, { timeout: 15_000 });
    const at = new Date().toISOString();
    await progress.server.publish({ type: 'task_started', projectId: 'p1', taskId: 't1', task: 'Build', timestamp: at } as never);
    await progress.server.publish({ type: 'output', projectId: 'p1', taskId: 't1', output: 'first line\nsecond line\n', timestamp: at } as never);
    const drawn = () =>
      page.evaluate(() =>
        [...(document.querySelector('task-log')!.shadowRoot!.querySelectorAll('[part~="line"]') as NodeListOf<HTMLElement>)].map(
          (line) => `${line.dataset.line} ${line.querySelector('[part~="text"]')?.textContent ?? ''}`,
        ),
      );
    await page.waitForFunction(() => (document.querySelector('task-log')!.shadowRoot!.textContent ?? '').includes('second line'), undefined, { timeout: 15_000 });
    assert.deepEqual(await drawn(), ['1 first line', '2 second line']);
    assert.equal(site.requests.filter(logFile).length, 1, 'the log\'s file, once');
    assert.deepEqual(
      [...new Set(site.requests)].filter((p) => p !== '/favicon.ico' && !logFile(p)).sort(),
      ['/cdn-task-log.html', '/dist/cdn/progress-elements.js'].sort(),
      'the log\'s file takes what it shares with the elements from the CDN file, not from a third file',
    );
    assert.deepEqual(errors, []);
  });
});
