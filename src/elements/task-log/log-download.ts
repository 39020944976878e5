/**
 * The download of a task log: from a log store, its plain text (`…/logs.txt`, read with the
 * token in the Authorization header, never in a URL); without one, the lines the page has.
 * Saved through an object URL, released at the next download or when the element goes.
 */
import type { LogFeed } from './log-feed.js';
import type { LogModel } from './log-model.js';

const urls = new WeakMap<Element, string>();

async function blobOf(model: LogModel, feed: LogFeed | undefined): Promise<Blob> {
  const stored = await feed?.text().catch(() => undefined);
  if (stored) return stored;
  const parts: string[] = [];
  for (const chunk of model.textChunks()) parts.push(chunk);
  return new Blob(parts, { type: 'text/plain;charset=utf-8' });
}

/** Saves the log as `{taskId}.log`. */
export async function saveLog(host: HTMLElement, model: LogModel, feed: LogFeed | undefined, taskId: string): Promise<void> {
  const blob = await blobOf(model, feed);
  if (!host.isConnected) return;
  saveLog.release(host);
  const url = URL.createObjectURL(blob);
  urls.set(host, url);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${taskId.replace(/[\\/:*?"<>|\x00-\x1f]/g, '_') || 'task'}.log`;
  a.rel = 'noopener';
  a.click();
}

/** Releases the object URL of the element's last download. */
saveLog.release = (host: HTMLElement): void => {
  const url = urls.get(host);
  if (url) URL.revokeObjectURL(url);
  urls.delete(host);
};
