/**
 * The baseline page: receives the same frames on a raw WebSocket and parses them, nothing else.
 */

const bench = {
  /** Opens `url`, asks for the prepared flood, and times until `events` events were parsed. */
  async flood(url: string, events: number): Promise<{ events: number; ms: number; eventsPerSecond: number; frames: number; server: unknown }> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`cannot open ${url}`));
    });
    let received = 0;
    let frames = 0;
    let sink = 0;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`flood not received: ${received}/${events} events`)), 60000);
      ws.onmessage = (message) => {
        frames++;
        const value = JSON.parse(message.data as string) as { seq?: number } | { seq?: number }[];
        if (Array.isArray(value)) {
          received += value.length;
          sink += value.length;
        } else {
          received++;
          sink += value.seq ?? 0;
        }
        if (received >= events) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    const t0 = performance.now();
    const response = fetch('/control/flood').then((r) => r.json());
    await done;
    const ms = performance.now() - t0;
    ws.close();
    (globalThis as { benchSink?: number }).benchSink = sink;
    return { events: received, ms, eventsPerSecond: (received / ms) * 1000, frames, server: await response };
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
