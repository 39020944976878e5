/**
 * Tabs: ten tabs of one browser, 100 <task-progress> each, all on one project, under a flood:
 * the server's sockets and the browser's main-thread time in all tabs together, with the tabs
 * sharing one socket (`shareTabs`) against each tab holding its own, side by side.
 */
import { createProgressServer } from '../src/server/index.js';
import type { ProgressEvent } from '../src/protocol/events.js';
import { Browser, type Page } from '../scripts/devtools-browser.js';
import { startPageServer } from '../scripts/page-server.js';
import { row, single, withTimeout, type ResultRow } from './stats.js';

export interface TabsOptions {
  tabs: number;
  elements: number;
  /** Steps of progress per element per flood. */
  perTask: number;
  rounds: number;
}

export const TABS_DEFAULTS: TabsOptions = { tabs: 10, elements: 100, perTask: 10, rounds: 3 };

const sum = (values: Record<string, number>[], key: string) => values.reduce((total, v) => total + (v[key] ?? 0), 0);

export async function runTabs(options: TabsOptions = TABS_DEFAULTS): Promise<ResultRow[]> {
  const server = await createProgressServer({ heartbeatInterval: 0 });
  const pages = await startPageServer(new URL('./browser/', import.meta.url), ['tabs-page']);
  const browser = await Browser.launch();
  const url = `${server.url}/api/progress/subscribe/{projectId}`;
  const main: Record<'shared' | 'own', number[]> = { shared: [], own: [] };
  const sockets: Record<'shared' | 'own', number> = { shared: 0, own: 0 };
  try {
    for (let round = 0; round < options.rounds; round++) {
      // Alternate the order, so that neither variant always runs on a warmer browser.
      for (const variant of (round % 2 === 0 ? ['shared', 'own'] : ['own', 'shared']) as ('shared' | 'own')[]) {
        const projectId = `tabs-${variant}-${round}`;
        const tabs: Page[] = [];
        for (let i = 0; i < options.tabs; i++) {
          const page = await browser.newPage();
          await page.send('Performance.enable');
          await page.goto(pages.pageUrl('tabs-page'));
          await page.call('mount', url, projectId, options.elements, variant === 'shared');
          tabs.push(page);
        }
        sockets[variant] = server.clients().filter((c) => c.projectId === projectId).length;
        const before = await Promise.all(tabs.map((t) => t.mainThreadTimes()));
        const total = options.elements * options.perTask;
        for (let step = 0; step < options.perTask; step++) {
          for (let i = 0; i < options.elements; i++) {
            const event: ProgressEvent = { type: 'step_progress', projectId, taskId: `t${i}`, timestamp: new Date().toISOString(), stepId: 'work', step: 'Work', status: 'running', progress: step * 10 };
            void server.publish(event);
          }
        }
        await withTimeout(
          (async () => {
            for (const tab of tabs) while ((await tab.call<number>('seen')) < total) await new Promise((r) => setTimeout(r, 20));
          })(),
          120000,
          `${variant}: the flood in every tab`,
        );
        // Let the last frames render.
        await new Promise((r) => setTimeout(r, 500));
        const after = await Promise.all(tabs.map((t) => t.mainThreadTimes()));
        main[variant].push(sum(after, 'TaskDuration') - sum(before, 'TaskDuration'));
        for (const tab of tabs) await browser.closePage(tab);
      }
    }
  } finally {
    await browser.close();
    await pages.close();
    await server.close();
  }
  const B = `tabs (${options.tabs} tabs x ${options.elements} elements)`;
  const ms = (values: number[]) => values.map((s) => s * 1000);
  return [
    single(B, 'server sockets for the project, shared / own', `${sockets.shared} / ${sockets.own}`, '1 / tabs', sockets.shared === 1),
    row(B, 'main-thread time of all tabs per flood, shared', ms(main.shared), { unit: ' ms' }),
    row(B, 'main-thread time of all tabs per flood, own sockets', ms(main.own), { unit: ' ms' }),
    row(B, 'main-thread time: shared / own', main.shared.map((v, i) => v / main.own[i]!)),
  ];
}
