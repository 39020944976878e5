/**
 * The frame of a log entry as one socket gets it: numbered, and with container events in the
 * spelling that socket reads (AInTandem's SDK listens only for `sandbox_*`).
 */
import type { LogEntry } from './progress-log.js';

/**
 * `sandbox`: `sandbox_created`, `sandbox_started`, … with `sandboxId` (AInTandem's orchestrator);
 * `container`: `container_*` with `containerId`; `published`: as the publisher spelled them.
 */
export type ContainerSpelling = 'sandbox' | 'container' | 'published';

/** A JSON object's text with `seq` set (added at the end, or replacing one it had). */
export function withSeq(json: string, seq: number): string {
  if (!json.includes('"seq"')) return `${json.slice(0, -1)},"seq":${seq}}`;
  return JSON.stringify({ ...(JSON.parse(json) as object), seq });
}

const SANDBOX = 'sandbox_';
const CONTAINER = 'container_';

/** The entry's frame in a spelling. */
export function entryFrame(entry: LogEntry, spelling: ContainerSpelling): string {
  const type = entry.event.type;
  if (spelling === 'published' || !type.startsWith(CONTAINER)) return withSeq(entry.text, entry.seq);
  const published = JSON.parse(entry.text) as Record<string, unknown>;
  const publishedType = String(published.type);
  const wanted = spelling === 'sandbox' ? SANDBOX : CONTAINER;
  if (publishedType.startsWith(wanted)) return withSeq(entry.text, entry.seq);
  const { type: _type, seq: _seq, containerId: _c, sandboxId: _s, ...rest } = published;
  const id = (entry.event as { containerId: string }).containerId;
  const renamed = wanted + type.slice(CONTAINER.length);
  return JSON.stringify(spelling === 'sandbox' ? { type: renamed, ...rest, sandboxId: id, seq: entry.seq } : { type: renamed, ...rest, containerId: id, seq: entry.seq });
}

/** The frames of one entry in each spelling, each built once when first asked for. */
export class EntryFrames {
  readonly #entry: LogEntry;
  #published: string | undefined;
  #sandbox: string | undefined;
  #container: string | undefined;

  constructor(entry: LogEntry) {
    this.#entry = entry;
  }

  get(spelling: ContainerSpelling): string {
    if (!this.#entry.event.type.startsWith(CONTAINER)) return (this.#published ??= withSeq(this.#entry.text, this.#entry.seq));
    switch (spelling) {
      case 'published':
        return (this.#published ??= entryFrame(this.#entry, 'published'));
      case 'sandbox':
        return (this.#sandbox ??= entryFrame(this.#entry, 'sandbox'));
      case 'container':
        return (this.#container ??= entryFrame(this.#entry, 'container'));
    }
  }
}
