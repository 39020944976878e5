/**
 * Nothing lost, nothing stale, under faults: for each fault, a scripted run ends rendered exactly
 * as the same run without the fault, and a subscriber received every event exactly once, in order.
 * Real reference servers on loopback, the real elements in Chromium.
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { configureProgress, getProgressClient, resetProgress, WebSocketManager, type ConnectionEvent, type ProgressClient, type ProgressEvent, type ResyncReason } from '../../src/index.js';
import { TestServer, uniqueId, waitFor } from './helpers/progress-server.js';
import { text } from './elements/support.js';

/** A realistic run of a task, a workflow and a container, interleaved, with fixed times. */
function scriptedRun(projectId: string): ProgressEvent[] {
  const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
  let s = 0;
  const at = () => new Date(t0 + (s += 700)).toISOString();
  const task = { projectId, taskId: 'build' };
  const flow = { projectId, workflowId: 'release', executionId: 'exec-1', totalPhases: 3 };
  const box = { projectId, containerId: 'runner' };
  const events: ProgressEvent[] = [
    { type: 'task_queued', ...task, timestamp: at() },
    { type: 'workflow_execution_created', ...flow, timestamp: at() },
    { type: 'container_created', ...box, image: 'node:20', timestamp: at() },
    { type: 'task_started', ...task, timestamp: at() },
    { type: 'workflow_execution_started', ...flow, timestamp: at() },
    { type: 'container_started', ...box, timestamp: at() },
  ];
  const steps = ['checkout', 'install', 'compile', 'test', 'package'];
  const phases = ['plan', 'build', 'ship'];
  steps.forEach((step, i) => {
    events.push({ type: 'step_progress', ...task, stepId: step, step, status: 'running', progress: i * 20, message: `${step}…`, timestamp: at() });
    events.push({ type: 'output', ...task, stepId: step, output: `$ ${step}\n${step} line 1\n${step} line 2\n`, timestamp: at() });
    if (i < phases.length) events.push({ type: 'workflow_phase_started', ...flow, phaseId: phases[i]!, phase: phases[i]!.toUpperCase(), timestamp: at() });
    if (i === 1) events.push({ type: 'workflow_execution_paused', ...flow, timestamp: at() }, { type: 'workflow_execution_resumed', ...flow, timestamp: at() });
    if (i === 3) events.push({ type: 'artifact', ...task, artifact: { path: 'dist/app.js', type: 'file', size: 20480 }, timestamp: at() });
    events.push({ type: 'step_progress', ...task, stepId: step, step, status: 'completed', progress: (i + 1) * 20, message: `${step} done`, timestamp: at() });
    if (i < phases.length) events.push({ type: 'workflow_phase_completed', ...flow, phaseId: phases[i]!, phase: phases[i]!.toUpperCase(), timestamp: at() });
  });
  events.push(
    { type: 'task_completed', ...task, duration: 31_000, timestamp: at() },
    { type: 'workflow_execution_completed', ...flow, output: { version: '1.2.3' }, timestamp: at() },
    { type: 'container_stopped', ...box, exitCode: 0, timestamp: at() },
  );
  return events;
}

interface Outcome {
  rendered: string[];
  received: number[];
}

interface FaultContext {
  server: TestServer;
  /** Publishes these events of the run. */
  publish: (events: ProgressEvent[]) => Promise<unknown>;
  /** The second half of the run, to publish around the fault. */
  rest: ProgressEvent[];
  setToken: (token: string) => void;
  client: ProgressClient;
  /** The connection events and resync reasons of the run so far. */
  connection: ConnectionEvent[];
  resyncs: ResyncReason[];
}

/** Runs the scripted run with a fault injected after its first half; returns what was rendered and received. */
async function run(fault: ((ctx: FaultContext) => Promise<void>) | undefined, options: { token?: string } = {}): Promise<Outcome> {
  const server = await TestServer.create(options.token ? { token: options.token } : {});
  let token = options.token;
  try {
    configureProgress({
      url: server.projectUrl,
      heartbeatInterval: 400,
      heartbeatTimeout: 400,
      reconnectDelay: 100,
      maxReconnectDelay: 400,
      lingerTime: 50,
      persist: false,
      ...(options.token ? { getToken: () => token } : {}),
    });
    const projectId = uniqueId('f');
    const events = scriptedRun(projectId);
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress project-id=${projectId} task-id="build" output-lines="20"></task-progress>
      <workflow-tracker project-id=${projectId} execution-id="exec-1"></workflow-tracker>
      <container-status project-id=${projectId} container-id="runner"></container-status>
    </div>`);
    const received: number[] = [];
    const client = getProgressClient()!;
    const connection: ConnectionEvent[] = [];
    const resyncs: ResyncReason[] = [];
    client.onConnectionState((e) => e.type !== 'heartbeat' && connection.push(e));
    client.onResync((reason) => resyncs.push(reason));
    client.subscribeToProgress({ projectId, onEvent: (e) => received.push(e.seq!) });
    await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
    const half = Math.floor(events.length / 2);
    await server.publish(...events.slice(0, half));
    await waitFor(() => received.length === half, 'the first half', 10000);
    const rest = events.slice(half);
    if (fault) {
      await fault({ server, rest, publish: (e) => server.publish(...e), setToken: (t) => (token = t), client, connection, resyncs });
    } else {
      await server.publish(...rest);
    }
    await waitFor(() => received.length >= events.length, `all ${events.length} events (have ${received.length})`, 15000);
    await waitFor(() => client.isConnected(projectId), 'connected at the end', 10000);
    // Let the last animation frame render.
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const els = [...box.children] as HTMLElement[];
    for (const el of els) await (el as unknown as { updateComplete: Promise<unknown> }).updateComplete;
    return { rendered: els.map((el) => text(el)), received };
  } finally {
    fixtureCleanup();
    resetProgress();
    await server.dispose();
  }
}

const inOrderOnce = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('faults: the final rendered state and the events received equal a run without the fault', () => {
  let baseline: Outcome;
  const total = scriptedRun('x').length;

  before(async () => {
    baseline = await run(undefined);
    expect(baseline.received).to.deep.equal(inOrderOnce(total));
    expect(baseline.rendered[0]).to.contain('Completed');
    expect(baseline.rendered[1]).to.contain('Completed');
    expect(baseline.rendered[2]).to.contain('Stopped');
  });

  const check = (outcome: Outcome) => {
    expect(outcome.received, 'every event exactly once, in order').to.deep.equal(inOrderOnce(total));
    expect(outcome.rendered).to.deep.equal(baseline.rendered);
  };

  it('the server is killed and restarted mid-run', async () => {
    check(
      await run(async ({ server, publish, rest }) => {
        await server.restart();
        await publish(rest.slice(0, 5)); // before the client is back
        await publish(rest.slice(5));
      }),
    );
  });

  it('the connection goes half-open (no close frame, no traffic): the heartbeat notices, and the client resumes', async () => {
    check(
      await run(async ({ server, publish, rest, client, connection, resyncs }) => {
        await server.stall(true);
        await publish(rest.slice(0, 6)); // held on the dead connection, kept in the journal
        // Only the heartbeat can tell: the socket neither closes nor errors.
        await waitFor(() => connection.some((e) => e.type === 'disconnected'), 'the heartbeat to declare the connection dead', 5000);
        const drop = connection.find((e) => e.type === 'disconnected');
        expect(drop?.type === 'disconnected' && drop.reason).to.equal('heartbeat timeout');
        expect(drop?.type === 'disconnected' && drop.willReconnect).to.equal(true);
        await server.stall(false);
        await waitFor(() => resyncs.length > 0 && client.getConnectionState() === 'connected', 'the new connection', 10000);
        expect(resyncs, 'what the reconnection meant').to.deep.equal(['resumed']);
        await publish(rest.slice(6));
      }),
    );
  });

  it('the server stalls for a moment, then catches up: shorter than the heartbeat timeout, so the connection stays', async () => {
    check(
      await run(async ({ server, publish, rest, connection, resyncs }) => {
        const pongs: number[] = [];
        const watch = getProgressClient()!.onConnectionState((e) => e.type === 'heartbeat' && e.direction === 'pong' && pongs.push(performance.now()));
        // Pings go every 400 ms and may wait 400 ms for an answer. The stall covers the next ping:
        // from 200 ms after an answer to 550 ms, so that ping waits about 150 ms, then frames come.
        const before = pongs.length;
        await waitFor(() => pongs.length > before, 'a heartbeat answered', 5000);
        const answeredAt = pongs.at(-1)!;
        await new Promise((r) => setTimeout(r, Math.max(0, answeredAt + 200 - performance.now())));
        await server.stall(true);
        await publish(rest.slice(0, 6));
        await new Promise((r) => setTimeout(r, Math.max(0, answeredAt + 550 - performance.now())));
        await server.stall(false);
        await publish(rest.slice(6));
        // The next pong after the stall shows the heartbeat went on over the same connection.
        const after = pongs.length;
        await waitFor(() => pongs.length > after, 'a heartbeat answered after the stall', 5000);
        watch();
        expect(connection.filter((e) => e.type === 'disconnected'), 'no drop: a short stall is not a dead connection').to.deep.equal([]);
        expect(resyncs).to.deep.equal([]);
      }),
    );
  });

  it('the browser goes offline and comes back', async () => {
    check(
      await run(async ({ server, publish, rest, connection }) => {
        const wentOffline = new Promise((r) => window.addEventListener('offline', r, { once: true }));
        await server.setOffline(true);
        try {
          await wentOffline;
          expect(navigator.onLine).to.equal(false);
          await publish(rest.slice(0, 6));
          // Offline until the client has noticed: its connection is gone, and it is trying again.
          await waitFor(() => connection.some((e) => e.type === 'disconnected'), 'the connection lost while offline', 10000);
        } finally {
          await server.setOffline(false);
        }
        await publish(rest.slice(6));
      }),
    );
  });

  it('the page is a slow consumer (its main thread busy while events pour in)', async () => {
    check(
      await run(async ({ publish, rest, client }) => {
        const framesBefore = client.getStats().framesReceived;
        const sent = publish(rest);
        await waitFor(() => client.getStats().framesReceived > framesBefore, 'the events starting to pour in', 5000);
        const end = performance.now() + 1000;
        while (performance.now() < end) {
          // busy: no task runs, frames queue up
        }
        await sent;
      }),
    );
  });

  it('the token expires: the server closes with the auth code, the client asks getToken again and resumes', async () => {
    const outcome = await run(
      async ({ server, publish, rest, setToken }) => {
        setToken('token-2');
        await server.setToken('token-2');
        await server.drop({ code: 4401, reason: 'token expired' });
        await publish(rest);
      },
      { token: 'token-1' },
    );
    check(outcome);
  });

  it('a restart with many clients: reconnects are spread out by jitter, not a storm', async () => {
    const server = await TestServer.create();
    const managers = Array.from({ length: 40 }, () => new WebSocketManager({ url: server.allUrl, reconnectDelay: 1000, maxReconnectDelay: 4000 }));
    try {
      await Promise.all(managers.map((m) => m.connect()));
      const before = (await server.connectionTimes()).length;
      await server.restart();
      await waitFor(() => managers.every((m) => m.isConnected()), 'every client back', 15000);
      const times = (await server.connectionTimes()).slice(before).sort((a, b) => a - b);
      expect(times.length).to.be.at.least(40);
      const spread = times.at(-1)! - times[0]!;
      expect(spread, `reconnects spread over ${spread} ms`).to.be.greaterThan(400);
      let busiest = 0;
      for (let i = 0; i < times.length; i++) {
        let j = i;
        while (j < times.length && times[j]! - times[i]! < 100) j++;
        busiest = Math.max(busiest, j - i);
      }
      expect(busiest, `at most ${busiest} of ${times.length} in any 100 ms`).to.be.at.most(Math.ceil(times.length * 0.4));
    } finally {
      for (const m of managers) m.disconnect();
      await server.dispose();
    }
  });
});
