/**
 * `<task-log>`'s text against its background in Chromium, light and dark (the page's
 * color-scheme): line numbers, times, text, step headers and the search field's placeholder all
 * reach 4.5:1 (WCAG AA for text), as a reader of the demo page sees them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Page } from '../../../scripts/devtools-browser.js';
import type { PageServer } from '../../../scripts/page-server.js';
import { createProgressServer, MemoryOutputStore, type ProgressServer } from '../../../src/server/index.js';
import { hasChromium } from '../helpers/chromium.js';
import { LineTask, pageReady, pageUrl, servePage, until } from '../helpers/task-log-chromium.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';

/** The contrast of each part's text with the background behind it, colours resolved by drawing them (any CSS colour syntax). */
const CONTRASTS = `(() => {
  const ctx = Object.assign(document.createElement('canvas'), { width: 1, height: 1 }).getContext('2d', { willReadFrequently: true });
  const rgba = (css) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1); return [...ctx.getImageData(0, 0, 1, 1).data]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const behind = (el) => { for (let e = el; e; e = e.parentElement ?? e.getRootNode().host) { const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] === 255) return c; } return [255, 255, 255, 255]; };
  const root = document.querySelector('task-log').shadowRoot;
  const out = {};
  for (const [name, selector, pseudo] of [['line number', '[part~=line-number]'], ['text', '[part~=text]'], ['search placeholder', '[part~=search-input]', '::placeholder'], ['search text', '[part~=search-input]'], ['download', '[part~=download]']]) {
    const el = root.querySelector(selector);
    if (!el) { out[name] = 0; continue; }
    const fg = rgba(getComputedStyle(el, pseudo).color);
    const bg = behind(el);
    // A colour with some transparency is seen over the background.
    const seen = fg.slice(0, 3).map((v, i) => (v * fg[3] + bg[i] * (255 - fg[3])) / 255);
    const [a, b] = [lum(seen), lum(bg)];
    out[name] = Math.round(((Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)) * 100) / 100;
  }
  return out;
})()`;

describe('<task-log> text contrast, light and dark', { skip, timeout: 120_000 }, () => {
  let server: ProgressServer;
  let pages: PageServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await createProgressServer({ heartbeatInterval: 0, output: new MemoryOutputStore() });
    pages = await servePage();
    browser = await Browser.launch();
    const task = new LineTask('p1', 'contrast', (event) => server.publish(event));
    await task.print(5);
    await task.flush();
    page = await browser.newPage();
    await page.send('Page.navigate', { url: pageUrl(pages, { api: `http://127.0.0.1:${server.port}/api`, project: 'p1', task: 'contrast' }) });
    await pageReady(page);
    await until(async () => (await page.evaluate<number>('window.bench.lastInView()')) === 5, 'the lines');
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await server?.close();
  });

  for (const scheme of ['light', 'dark']) {
    it(`${scheme}: every text reaches 4.5:1`, async () => {
      await page.evaluate(`document.documentElement.style.colorScheme = '${scheme}'; document.body.style.background = '${scheme === 'dark' ? '#111' : '#fff'}'`);
      const contrasts = await page.evaluate<Record<string, number>>(CONTRASTS);
      const low = Object.entries(contrasts).filter(([, ratio]) => ratio < 4.5);
      assert.deepEqual(low, [], `${scheme}: ${JSON.stringify(contrasts)}`);
    });
  }
});
