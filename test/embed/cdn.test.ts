/**
 * Plain HTML pages that load only the CDN build (dist/cdn): the ES module with Lit inlined, and
 * the classic script for `<script src>`. Same scenario as the framework apps; and no request
 * but the page, its own script and the one CDN file.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkBuilt, launchChromium, PAGES, ROOT, runScenario, serveStatic, startProgressServer } from './harness.js';

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
});
