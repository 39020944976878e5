/**
 * Where a connection stands in a server's sequence (docs/protocol.md), and what each
 * (re)connection means for what the client holds. Pure: no socket, no timer.
 */
import type { SessionMessage } from '../../protocol/events.js';
import type { ResumePosition } from './socket-url.js';

/**
 * What a (re)connection means for what the client holds: `resumed`: nothing was missed (the
 * server replays what came meanwhile); `gap`: the server can no longer replay from our position;
 * `epoch`: the server started a new sequence (e.g. restarted without its journal); `reconnect`:
 * a server without sequence numbers, so whatever happened meanwhile is unknown.
 */
export type ResyncReason = 'resumed' | 'reconnect' | 'gap' | 'epoch';

export class SequenceTracker {
  #epoch: string | undefined;
  #seq = 0;
  /** The position the current connection asked to resume from. */
  #askedFrom: ResumePosition | undefined;
  #speaksSession = false;
  #connected = false;

  constructor(from?: ResumePosition) {
    if (from) {
      this.#epoch = from.epoch;
      this.#seq = from.seq;
    }
  }

  /** The epoch and the last sequence number applied, once the server has numbered anything. */
  get position(): ResumePosition | undefined {
    return this.#epoch === undefined ? undefined : { epoch: this.#epoch, seq: this.#seq };
  }

  /** The position a new connection asks to resume from; its answer is judged against it. */
  ask(): ResumePosition | undefined {
    return (this.#askedFrom = this.position);
  }

  /**
   * A connection is open. A reconnection to a server that never sent a session frame (no numbers)
   * may have missed anything: `reconnect`.
   */
  connected(): ResyncReason | undefined {
    const again = this.#connected;
    this.#connected = true;
    return again && !this.#speaksSession ? 'reconnect' : undefined;
  }

  /** The server's session frame: where its sequence stands, and what that means for us. */
  session(session: SessionMessage): ResyncReason | undefined {
    const askedFrom = this.#askedFrom;
    this.#askedFrom = undefined;
    this.#speaksSession = true;
    if (session.epoch !== this.#epoch) {
      // A new sequence: numbers restart, so nothing received before is comparable.
      this.#epoch = session.epoch;
      this.#seq = 0;
    }
    if (!session.resumed) {
      // Events after our position are not coming: count from the server's head.
      this.#seq = Math.max(this.#seq, session.seq);
      return askedFrom ? (askedFrom.epoch === session.epoch ? 'gap' : 'epoch') : undefined;
    }
    return askedFrom ? 'resumed' : undefined;
  }

  /** Whether an event with this number is new (and, if so, it is now the last applied). Unnumbered events always are. */
  accept(seq: number | undefined): boolean {
    if (seq === undefined || this.#epoch === undefined) return true;
    if (seq <= this.#seq) return false;
    this.#seq = seq;
    return true;
  }
}
