/**
 * A bounded drain: instead of sleeping before asserting that something did not arrive, send a
 * marker after it down the same socket and wait for the marker. The server keeps the order of
 * a socket's events, so whatever would have arrived has arrived by then.
 */
import type { ProgressClient } from '../../../src/client/index.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { container, waitFor } from './fixtures.js';

let markers = 0;

/**
 * Waits until an event published now to `projectId` has reached `client`. The marker is a
 * container event of its own container, so that task and workflow subscriptions never see it.
 */
export async function drain(server: { publish(event: ProgressEvent): unknown }, client: ProgressClient, projectId: string): Promise<void> {
  const containerId = `drain-${++markers}`;
  let seen = false;
  const sub = client.subscribeToContainer({ projectId, containerId, onEvent: () => (seen = true) });
  try {
    await sub.ready;
    server.publish(container('container_created', projectId, containerId));
    await waitFor(() => seen, `the marker on ${projectId}`);
  } finally {
    sub.unsubscribe();
  }
}
