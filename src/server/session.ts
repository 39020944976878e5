/**
 * How a socket that negotiated `resume=1` starts: its outbox is held (live events wait there),
 * the position is what this server has delivered so far, the log is read for what the client
 * missed up to that position, the session frame says that position, the replay follows, then
 * the held events. A server that lags behind the log never claims a position it cannot replay.
 * A socket whose token may see some projects only is told the position of its own projects, and
 * whether it resumes depends on its own projects' events only: a position past their newest is
 * not resumed, however far the others' numbering got.
 */
import { entryFrame, type ContainerSpelling } from './event-frames.js';
import type { SessionOutcome } from './observer.js';
import type { Outbox } from './outbox.js';
import type { ProgressLog, ReadRequest } from './progress-log.js';

export interface SessionSocket {
  readonly outbox: Outbox;
  /** The project of a per-project socket. */
  readonly projectId?: string;
  readonly spelling: ContainerSpelling;
  /**
   * The projects its token may see, when not every one: its replay holds only theirs, and its
   * session frame says their position (the log's would tell how much the others publish).
   */
  readonly scope?: ((projectId: string) => boolean) | undefined;
  /** Entries up to this number are not sent to it (it has them already). */
  skipThrough: number;
  isOpen(): boolean;
}

export interface ClientPosition {
  epoch?: string;
  since?: number;
}

export function sessionFrame(epoch: string, seq: number, resumed: boolean): string {
  return JSON.stringify({ type: 'session', epoch, seq, resumed, timestamp: new Date().toISOString() });
}

/**
 * Opens the session; the caller registered the socket for live events (held) just before.
 * Resolves with how it started (undefined when the socket closed meanwhile).
 * @throws LogUnavailableError when the log cannot be read (the socket is left held).
 */
export async function openSession(log: ProgressLog, socket: SessionSocket, position: ClientPosition, maxReplayBytes: number): Promise<SessionOutcome | undefined> {
  const { outbox } = socket;
  outbox.hold();
  const epoch = log.epoch;
  const through = log.position;
  const { scope } = socket;
  // Taken now, with `through`: the newest event of its projects up to there.
  const told = scope === undefined ? through : log.latest(scope, through);
  if (told instanceof Promise) told.catch(() => {}); // awaited below, after the read
  let resumed = false;
  let outcome: SessionOutcome = { resumed: false, reason: 'none' };
  let frames: string[] = [];
  let seqs: number[] = [];
  if (position.epoch === epoch && position.since !== undefined) {
    const request: ReadRequest = { epoch, after: position.since, through, maxBytes: maxReplayBytes };
    if (socket.projectId !== undefined) request.projectId = socket.projectId;
    else if (scope !== undefined) request.projects = scope;
    const reading = log.read(request);
    // A log in memory answers at once: the session opens before this returns.
    const read = reading instanceof Promise ? await reading : reading;
    outcome = read.resumed ? { resumed: true, replayed: read.entries.length } : { resumed: false, reason: read.reason };
    if (read.resumed) {
      resumed = true;
      frames = read.entries.map((entry) => entryFrame(entry, socket.spelling));
      seqs = read.entries.map((entry) => entry.seq);
      if (position.since > through) {
        // A client ahead of this server (it came from one that had read further): what it has is
        // not sent again, neither what the tail delivers from now on nor what it delivered while
        // the log was read (held meanwhile).
        socket.skipThrough = position.since;
        outbox.skipHeld(position.since);
      }
    }
  }
  const seq = told instanceof Promise ? await told : told;
  if (scope !== undefined && resumed && position.since! > seq && position.since! <= through) {
    // A socket of some projects holds 0 or a number of its projects' events: a position past their
    // newest is none it was given. Resuming it would tell how far everyone else's numbering got.
    resumed = false;
    frames = [];
    outcome = { resumed: false, reason: 'gap' };
  }
  if (!socket.isOpen()) return undefined;
  outbox.open(sessionFrame(epoch, seq, resumed), frames, seqs);
  outbox.release();
  return outcome;
}
