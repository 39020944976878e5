/**
 * The terminal logs the simulator's tasks print through `output` events, on a clock advanced by
 * hand: progress bars, cursor-up rewrites, colours, CI groups and sections, stack traces, and the
 * long task's 200,000 lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { createSimulator, type Simulator, type SimulatorOptions, type TaskOutcome } from '../../src/server/simulator/index.js';
import { ManualClock } from './helpers/manual-clock.js';

type Published = ProgressEvent & Record<string, any>;

const ENDS = new Set(['task_completed', 'task_failed', 'task_cancelled']);
const ESC = '\x1b';

interface Sim {
  clock: ManualClock;
  simulator: Simulator;
  events: Published[];
  /** When each event was published, on the clock. */
  times: number[];
  /** Steps the clock until `done`, failing after `limit` ms of clock. */
  runUntil(done: () => boolean, what: string, limit?: number): void;
  /** The events of one task, in order. */
  of(taskId: string): Published[];
  ended(taskId: string): boolean;
}

function simulate(options: SimulatorOptions = {}): Sim {
  const clock = new ManualClock();
  const events: Published[] = [];
  const times: number[] = [];
  const simulator = createSimulator(
    {
      publish(event) {
        events.push(event as Published);
        times.push(clock.now());
      },
    },
    { clock, ...options },
  );
  const start = clock.now();
  const of = (taskId: string) => events.filter((e) => e.taskId === taskId);
  return {
    clock,
    simulator,
    events,
    times,
    of,
    ended: (taskId) => of(taskId).some((e) => ENDS.has(e.type)),
    runUntil(done, what, limit = 30 * 60_000) {
      while (!done()) {
        if (clock.now() - start > limit || !clock.step()) throw new Error(`no ${what} within ${limit} ms of clock`);
      }
    },
  };
}

/** The whole output a task printed, its chunks joined. */
const outputOf = (events: Published[]): string =>
  events
    .filter((e) => e.type === 'output')
    .map((e) => e.output as string)
    .join('');

/** Runs a task of the kind named to its end; its events. */
function runTask(seed: number, task: string | undefined, outcome: TaskOutcome): Published[] {
  const sim = simulate({ seed });
  const id = sim.simulator.startTask({ outcome, ...(task === undefined ? {} : { task }) });
  sim.runUntil(() => sim.ended(id), `end of ${task ?? 'the task'}`);
  sim.simulator.stop();
  const run = sim.of(id);
  if (task !== undefined) assert.equal(run[0]!.task, task, 'the kind asked for');
  return run;
}

test('each kind of task prints its terminal log: \\r progress bars, cursor-up rewrites, colours, GitHub groups, GitLab sections, URLs', () => {
  const build = outputOf(runTask(1, 'Build web service', 'completed'));
  // npm's bar, rewritten with \r on one line, then its summary on a line of its own.
  assert.match(build, /\r\[#+-+\] \d+% reify:[\w-]+(?: |\r)/, 'a progress bar frame');
  assert.ok((build.match(/\r\[[#-]{20}\]/g) ?? []).length >= 5, 'the bar rewritten several times');
  assert.match(build, /\nadded \d+ packages in \d+s\n/, 'the summary line');
  // BuildKit: the block of steps moved up over and printed again, each row cleared to its end.
  assert.ok((build.match(/\x1b\[3A#\d+ \[\d\/6\] /g) ?? []).length >= 3, 'the rows rewritten after a cursor-up');
  assert.match(build, /#\d+ \[4\/6\] RUN npm ci  \d+\.\ds\x1b\[K\n/, 'a BuildKit step row');
  // The test run: green ticks, bold, dim, a 256-colour and a true-colour sequence; no failure.
  assert.match(build, /\x1b\[32m✓\x1b\[0m /, 'a green tick');
  assert.match(build, /\x1b\[1mTests\x1b\[0m/, 'a bold summary');
  assert.match(build, /\x1b\[2m\d+ms\x1b\[0m/, 'a dim timing');
  assert.match(build, /\x1b\[38;5;\d{1,3}m/, 'a 256-colour sequence');
  assert.match(build, /\x1b\[38;2;\d{1,3};\d{1,3};\d{1,3}m/, 'a true-colour sequence');
  assert.doesNotMatch(build, /✗|Error:|\n {4}at /, 'no failure in a completed run');
  assert.match(build, /https:\/\/\S+/, 'a URL');

  const github = outputOf(runTask(2, 'GitHub Actions job', 'completed'));
  assert.match(github, /(^|\n)::group::Install dependencies\n[^]*?\n::endgroup::\n/, 'a group around the install');
  assert.equal((github.match(/^::group::/gm) ?? []).length, (github.match(/^::endgroup::$/gm) ?? []).length, 'every group closed');
  assert.match(github, /https:\/\/github\.com\/\S+/, 'a URL');

  const gitlab = outputOf(runTask(3, 'GitLab CI deploy', 'completed'));
  const starts = [...gitlab.matchAll(/section_start:(\d+):(\w+)(\[collapsed=true\])?\r\x1b\[0K/g)];
  assert.ok(starts.length >= 3, 'sections');
  assert.ok(starts.some((m) => m[3] !== undefined), 'a collapsed section');
  for (const [, at, name] of starts) {
    const end = new RegExp(`section_end:(\\d+):${name}\\r\\x1b\\[0K`).exec(gitlab);
    assert.ok(end && Number(end[1]) >= Number(at), `section ${name} ends, after it starts`);
  }
  assert.match(gitlab, /https:\/\/\S+\.example\.com/, 'a URL');
});

test("a task's log comes in chunks of several lines, each with the step that prints it, some cutting a line (or a bar's frames) that the next chunk finishes", () => {
  let cut = 0;
  let several = 0;
  let rewrites = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const run = runTask(seed, 'Build web service', 'completed');
    let running: string | undefined;
    const chunks: string[] = [];
    for (const e of run) {
      if (e.type === 'step_progress') running = e.status === 'running' ? e.stepId : undefined;
      if (e.type !== 'output') continue;
      assert.equal(e.stepId, running, 'output names the step running');
      chunks.push(e.output as string);
    }
    several += chunks.filter((c) => (c.match(/\n/g) ?? []).length >= 3).length;
    cut += chunks.slice(0, -1).filter((c) => !c.endsWith('\n')).length;
    rewrites += chunks.filter((c) => c.startsWith('\r[')).length;
  }
  // About two a run (a cut inside a line only now and then lands on a \r).
  assert.ok(rewrites >= 12, `chunks that go on rewriting the bar of the line before them (${rewrites})`);
  assert.ok(several > 12, 'chunks of several lines');
  assert.ok(cut > 0, 'some chunk ends in the middle of a line');
});

test('a failing run ends its output with a red error and a stack trace; runs that do not fail print none', () => {
  for (const task of ['Build web service', 'GitHub Actions job', 'GitLab CI deploy', undefined]) {
    for (let seed = 1; seed <= 4; seed++) {
      const failed = runTask(seed, task, 'failed');
      const error = failed.find((e) => e.type === 'task_failed')!.error as string;
      const output = outputOf(failed);
      const trace = new RegExp(`(^|\\n)\\x1b\\[31m(\\w*Error: )?${error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\x1b\\[0m\\n((?: {4}at \\S+ \\(\\S+:\\d+:\\d+\\)\\n){3,})`);
      assert.match(output, trace, `${task ?? 'a task'} (seed ${seed}): the red error, then its frames`);
      assert.equal(failed.filter((e) => e.type === 'output').at(-1)!.stepId, failed.find((e) => e.type === 'step_progress' && e.status === 'failed')!.stepId, 'printed by the failing step');
      for (const outcome of ['completed', 'cancelled'] as const) {
        assert.doesNotMatch(outputOf(runTask(seed, task, outcome)), /\n {4}at |\x1b\[31mError/, `no trace in a ${outcome} run`);
      }
    }
  }
});

test('the output a run prints ends with a newline when it completes or fails: no line left open (property over seeds)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom<TaskOutcome>('completed', 'failed'), (seed, outcome) => {
      const run = runTask(seed, undefined, outcome);
      const output = outputOf(run);
      assert.ok(output.length > 0, 'output printed');
      assert.ok(output.endsWith('\n'), `seed ${seed} (${run[0]!.task}, ${outcome}) ends on a newline: ${JSON.stringify(output.slice(-40))}`);
      // The trace of a failing run begins on a line of its own.
      if (outcome === 'failed') assert.match(output, /(^|\n)\x1b\[31m\w*Error: /);
    }),
    { numRuns: 150 },
  );
});

/** The long task's events, once the background mix started one (undefined when none did within `limit`). */
function findLongTask(sim: Sim, limit: number): { id: string; at: number } | undefined {
  const found = () => sim.events.findIndex((e) => e.type === 'task_queued' && e.task === 'Export audit log');
  try {
    sim.runUntil(() => found() >= 0, 'long task', limit);
  } catch {
    return undefined;
  }
  const index = found();
  return { id: sim.events[index]!.taskId as string, at: sim.times[index]! };
}

test('the long task prints 200,000 lines in order over about a minute of clock, started by the background mix rarely, never in its first 60 s', () => {
  const sim = simulate({ seed: 5, maxConcurrent: 12 });
  const created = sim.clock.now();
  sim.simulator.start();
  const long = findLongTask(sim, 30 * 60_000);
  assert.ok(long, 'a long task within 30 min of clock');
  assert.ok(long.at - created >= 60_000, `started ${long.at - created} ms after the simulator, not within 60 s`);
  sim.runUntil(() => sim.ended(long.id), 'end of the long task');
  sim.simulator.stop();

  const run = sim.of(long.id);
  assert.equal(run.at(-1)!.type, 'task_completed');
  const chunks = sim.events.map((e, i) => ({ e, at: sim.times[i]! })).filter(({ e }) => e.taskId === long.id && e.type === 'output');
  let lines = 0;
  let expected = 1;
  for (const { e } of chunks) {
    const text = e.output as string;
    assert.equal(e.stepId, 'export');
    assert.ok(text.endsWith('\n'), 'every chunk ends on a newline');
    for (const line of text.slice(0, -1).split('\n')) {
      assert.equal(Number(/^(\d{6})\//.exec(line)?.[1]), expected, 'lines in order');
      expected++;
    }
    lines += (text.match(/\n/g) ?? []).length;
  }
  assert.equal(lines, 200_000, 'newlines across the chunks');
  assert.ok(chunks.length >= 100, `in many chunks (${chunks.length})`);
  const span = chunks.at(-1)!.at - chunks[0]!.at;
  assert.ok(span >= 55_000 && span <= 65_000, `over about a minute of clock (${span} ms)`);

  // Rare: no other long task started while it ran, or soon after.
  const longs = sim.events.filter((e) => e.type === 'task_queued' && e.task === 'Export audit log');
  assert.equal(longs.length, 1, 'one long task at a time');
});

test('no seed starts the long task in the first 60 s of the clock, and none starts with longLogs: false', () => {
  for (let seed = 1; seed <= 25; seed++) {
    const sim = simulate({ seed, maxConcurrent: 50, interval: [300, 600] });
    sim.simulator.start();
    assert.equal(findLongTask(sim, 59_999), undefined, `seed ${seed}: no long task in the first minute`);
    sim.simulator.stop();
  }
  const off = simulate({ seed: 5, maxConcurrent: 12, longLogs: false });
  off.simulator.start();
  assert.equal(findLongTask(off, 30 * 60_000), undefined, 'longLogs: false starts none in 30 min of clock');
  assert.ok(off.events.filter((e) => e.type === 'task_queued').length > 100, 'while the mix went on');
  off.simulator.stop();
});

test('the same seed prints the same logs, the long task included', () => {
  const logs = (seed: number) => {
    const sim = simulate({ seed });
    const ids = [
      ...['Build web service', 'GitHub Actions job', 'GitLab CI deploy'].map((task) => sim.simulator.startTask({ task })),
      sim.simulator.startLongTask(),
    ];
    sim.runUntil(() => ids.every(sim.ended), 'end of the runs');
    sim.simulator.stop();
    return ids.map((id) => sim.of(id).filter((e) => e.type === 'output').map((e) => `${e.stepId}:${e.output}`));
  };
  const first = logs(99);
  assert.deepEqual(logs(99), first);
  assert.notDeepEqual(logs(100).slice(0, 3), first.slice(0, 3), 'another seed, other logs');
});
