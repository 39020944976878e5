/**
 * The progress log on a Redis stream, shared by several servers: an event's number is its entry
 * id (`0-N`, `XADD key 0-*`), the epoch lives in Redis, and each server reads the stream in
 * order (its tail) and fans out from it, so every server sends the same events in the same order.
 * The epoch changes exactly when continuity is lost: Redis came back without its data, or the
 * stream went back behind what a server had read.
 */
import type { Redis } from 'ioredis';
import type { ProgressEvent } from '../protocol/events.js';
import type { EntityStates } from './entity-states.js';
import { RedisAvailability, type AvailabilityLogger } from './redis-availability.js';
import { eventOf, fieldsOf, headOf, holdsEntry, newEpoch, newestBefore, numberOf, PAGE, readEntries, type CommandRedis, type Described, type StreamEntry } from './redis-entries.js';
import { newestAccepted, type LogEntry, type ProgressLog, type ReadRequest, type ReadResult, type TailListener } from './progress-log.js';
import { RedisStates } from './redis-states.js';

/** How long the tail waits for new entries before it checks the epoch and the stream's head. */
const BLOCK_MS = 2000;

export interface RedisLogSettings {
  /** Where, for messages: the URL without its credentials. */
  where: string;
  prefix: string;
  retention: number;
  maxEntities: number;
  checkpointInterval: number;
  /** ms a command may take before it counts as failed (Redis cut off). */
  commandTimeout: number;
  logger: AvailabilityLogger;
}

export type { AvailabilityLogger as RedisLogLogger } from './redis-availability.js';
export type { CommandRedis } from './redis-entries.js';


export class RedisLog implements ProgressLog {
  readonly #commands: CommandRedis;
  readonly #reader: Redis;
  readonly #settings: RedisLogSettings;
  readonly #keys: { stream: string; meta: string; states: string; versions: string };
  readonly #states: RedisStates;
  readonly #listeners = new Set<TailListener>();
  #epoch: string;
  /** The last number before the epoch's first entry. */
  #start: number;
  /**
   * The newest entry delivered to the listeners, or the position the tail started from: entries
   * up to here (read again, or in the stream before this reader started) go to the states only.
   */
  #position: number;
  /** The newest entry read (applied to the states). */
  #read = 0;
  /** Every entry after this number, up to `#read`, went through this reader's tail (none was skipped or loaded as states). */
  #seenFrom = Infinity;
  /**
   * Set when entries left the stream before this reader got to them: its states miss them until
   * it reloads the states hash once that is complete past this number (another server wrote it).
   */
  #behind: { through: number; since: number } | undefined;
  #lastCheck = 0;
  #tail: Promise<void> | undefined;
  #closed = false;
  readonly #redis: RedisAvailability;
  /** Set when an append saw another epoch: the tail checks before it reads on. */
  #recheck = false;
  #waiters: { seq: number; resolve: () => void }[] = [];
  /**
   * The newest number per project, up to the position (the sessions of sockets that may see some
   * projects only say their own projects' position). Complete once the tail has loaded the states
   * and read up to the position.
   */
  readonly #latest = new Map<string, number>();
  #loaded = false;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #checkpointedAt = -1;
  #checkpointing: Promise<void> | undefined;
  #warnedInvalid = false;

  constructor(commands: CommandRedis, reader: Redis, settings: RedisLogSettings, described: Described) {
    this.#commands = commands;
    this.#reader = reader;
    this.#settings = settings;
    const p = settings.prefix;
    this.#keys = { stream: `${p}stream`, meta: `${p}meta`, states: `${p}states`, versions: `${p}versions` };
    [this.#epoch, this.#start] = described;
    this.#position = Math.max(described[1], described[3]);
    this.#states = new RedisStates(commands, this.#keys, settings.maxEntities, () => this.#whenCurrent());
    this.#redis = new RedisAvailability(settings.where, settings.logger, [commands, reader], () => `(epoch ${this.#epoch}); catching up from ${this.#read}`);
  }

  get epoch(): string {
    return this.#epoch;
  }

  get position(): number {
    return this.#position;
  }

  /** false from a connection's error until both connections are ready again. */
  get available(): boolean {
    return !this.#redis.down && !this.#closed;
  }

  async lag(): Promise<number> {
    return Math.max(0, (await this.#head()) - this.#position);
  }

  get states(): EntityStates {
    this.#startTail();
    return this.#states;
  }

  async append(event: ProgressEvent, text: string): Promise<{ seq: number }> {
    let reply: [string, string];
    try {
      reply = await this.#commands.progressAppend(this.#keys.meta, this.#keys.stream, newEpoch(), this.#settings.retention, event.projectId, text);
    } catch (error) {
      throw this.#redis.failure('publish', error);
    }
    const [epoch, id] = reply;
    if (epoch !== this.#epoch) this.#recheck = true;
    return { seq: numberOf(id) };
  }

  async read(request: ReadRequest): Promise<ReadResult> {
    const { epoch, after, through, projectId, projects } = request;
    if (epoch !== this.#epoch) return { resumed: false, reason: 'epoch' };
    if (!Number.isSafeInteger(after)) return { resumed: false, reason: 'gap' };
    // A reader of some projects, when this server's tail saw every entry since its position and
    // none of them was of its projects, missed nothing, however much of the stream (other
    // projects' entries) was trimmed since: nothing to read.
    const scope = projectId !== undefined ? (p: string) => p === projectId : projects;
    if (scope && after >= this.#seenFrom && after <= through && through <= this.#read && newestAccepted(this.#latest, scope, through).newest <= after) {
      return { resumed: true, entries: [] };
    }
    if (after < this.#start) return { resumed: false, reason: 'gap' };
    if (after >= through) {
      // A client ahead of this server comes from one that read further: a position up to the
      // stream's head is real (if the stream went back, the epoch changes and it reconnects).
      // A reader of some projects was given numbers of its projects' events only: its position
      // is real when it is one of those (the head would tell how far the others got).
      if (scope && after > through) return (await this.#isOneOf(after, epoch, scope)) ? { resumed: true, entries: [] } : { resumed: false, reason: 'gap' };
      const head = after === through ? through : await this.#head().catch(() => undefined);
      return head !== undefined && after > head ? { resumed: false, reason: 'gap' } : { resumed: true, entries: [] };
    }
    try {
      return await readEntries(this.#commands, this.#keys.stream, request);
    } catch (error) {
      throw this.#redis.failure('replay', error);
    }
  }

  latest(projects: (projectId: string) => boolean, through: number): number | Promise<number> {
    if (this.#knowsLatest(through)) return newestAccepted(this.#latest, projects, through).newest;
    return this.#latestWhenRead(projects, through);
  }

  /** Whether the map of each project's newest number is complete up to `through` (it is at the position, once loaded and read). */
  #knowsLatest(through: number): boolean {
    return this.#loaded && this.#read >= this.#position && through >= this.#position;
  }

  /** After the tail has read up to `through` (a server that just started, or reloads): the map, then the stream back from `through` for a project read past it. */
  async #latestWhenRead(projects: (projectId: string) => boolean, through: number): Promise<number> {
    this.#startTail();
    if (!(this.#loaded && this.#read >= through)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(this.#redis.failure('open a session', new Error('the stream is not read yet'))), this.#settings.commandTimeout);
        this.#waiters.push({ seq: through, resolve: () => (clearTimeout(timer), resolve()) });
        this.#wake();
      });
      if (!this.#loaded) throw this.#redis.failure('open a session', new Error('the states are not loaded'));
    }
    const { newest, later } = newestAccepted(this.#latest, projects, through);
    if (!later) return newest;
    // Some page of the stream before `through` holds it, unless it is older than what the stream keeps.
    try {
      return (await newestBefore(this.#commands, this.#keys.stream, projects, through, newest)) ?? newest;
    } catch (error) {
      throw this.#redis.failure('open a session', error);
    }
  }

  tail(listener: TailListener): () => void {
    this.#listeners.add(listener);
    this.#startTail();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Stops reading, writes the states one last time (when Redis answers), and closes both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#redis.close();
    clearInterval(this.#checkpointTimer);
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters = [];
    this.#reader.disconnect();
    await this.#tail?.catch(() => {});
    await this.#checkpointing?.catch(() => {});
    if (this.#tail && !this.#redis.down) await this.#checkpoint().catch(() => {});
    this.#commands.disconnect();
  }

  #startTail(): void {
    if (this.#closed || this.#tail) return;
    this.#tail = this.#run();
    this.#checkpointTimer = setInterval(() => {
      if (!this.#checkpointing && !this.#redis.down) this.#checkpointing = this.#checkpoint().catch(() => {}).finally(() => (this.#checkpointing = undefined));
    }, this.#settings.checkpointInterval);
  }

  async #checkpoint(): Promise<void> {
    const position = this.#read;
    if (position === this.#checkpointedAt) return;
    if (this.#behind) {
      // Incomplete states are not written, unless no other server writes complete ones for a while.
      if (performance.now() - this.#behind.since < Math.max(10 * this.#settings.checkpointInterval, 3 * BLOCK_MS)) return;
      this.#settings.logger.warn('progress log: no server wrote the states this one missed; its states stay without those events');
      this.#behind = undefined;
    }
    if (await this.#states.checkpoint(this.#epoch, position)) this.#checkpointedAt = position;
  }

  /** The tail: load the states, then read the stream in order for as long as the log is open. */
  async #run(): Promise<void> {
    let loaded = false;
    while (!this.#closed) {
      try {
        if (!loaded) {
          const [, , statesAt, head] = await this.#check();
          await this.#states.load();
          this.#read = Math.min(statesAt, head);
          this.#seenFrom = this.#read;
          this.#position = Math.max(this.#position, this.#start);
          this.#learnLatest();
          loaded = true;
          this.#loaded = true;
          this.#wake();
        }
        if (this.#behind && performance.now() - this.#lastCheck > this.#settings.checkpointInterval) this.#recheck = true;
        if (this.#recheck) {
          this.#recheck = false;
          await this.#check();
        }
        // Behind: look at the states hash again soon, even when the stream is quiet.
        const block = this.#behind ? Math.min(BLOCK_MS, this.#settings.checkpointInterval) : BLOCK_MS;
        const reply = (await this.#reader.xread('COUNT', PAGE, 'BLOCK', block, 'STREAMS', this.#keys.stream, `0-${this.#read}`)) as [string, StreamEntry[]][] | null;
        this.#redis.available();
        if (reply === null) {
          await this.#check();
          continue;
        }
        for (const [id, raw] of reply[0]![1]) {
          if (!this.#receive(numberOf(id), fieldsOf(raw))) break;
        }
      } catch (error) {
        if (this.#closed) return;
        this.#redis.unavailable(error);
        await this.#pause();
      }
    }
  }

  /** One entry, in order. Returns false when the entries after it must be read again (another epoch). */
  #receive(seq: number, fields: { p?: string; e?: string; x?: string }): boolean {
    if (seq > this.#start && fields.x !== this.#epoch) {
      this.#recheck = true;
      return false;
    }
    if (seq > this.#read + 1) {
      // Trimmed before this reader got to them: its states miss them.
      this.#settings.logger.warn(`progress log: entries ${this.#read + 1} to ${seq - 1} left the stream before this server read them (retention ${this.#settings.retention}); its states are reloaded from Redis once another server has written them`);
      this.#behind = { through: seq - 1, since: this.#behind?.since ?? performance.now() };
      this.#seenFrom = Math.max(this.#seenFrom, seq - 1);
      if (seq - 1 > this.#position) {
        // Its sockets missed them too: they reconnect, and resume (or resync) from the stream.
        this.#position = seq - 1;
        for (const listener of this.#listeners) listener.lost(this.#epoch);
      }
    }
    this.#read = seq;
    const event = fields.e === undefined ? undefined : eventOf(fields.e, seq);
    if (!event) {
      if (!this.#warnedInvalid) this.#settings.logger.warn(`progress log: entry 0-${seq} of ${this.#keys.stream} is not a progress event; skipped`);
      this.#warnedInvalid = true;
    } else {
      this.#states.apply(event);
      if (seq > (this.#latest.get(event.projectId) ?? 0)) this.#latest.set(event.projectId, seq);
      if (seq > this.#position) {
        const entry: LogEntry = { seq, projectId: event.projectId, text: fields.e!, event };
        for (const listener of this.#listeners) listener.entry(entry);
      }
    }
    if (seq > this.#position) this.#position = seq;
    if (this.#waiters.length > 0) this.#wake();
    return true;
  }

  /**
   * Compares the epoch and the stream's head with what this reader holds: adopts a new epoch, or
   * starts one when the stream went back behind what was read.
   */
  async #check(): Promise<Described> {
    this.#lastCheck = performance.now();
    let described = await this.#commands.progressCheck(this.#keys.meta, this.#keys.stream, newEpoch());
    if (described[0] === this.#epoch && described[3] < this.#read) {
      described = await this.#commands.progressSwitch(this.#keys.meta, this.#keys.stream, this.#epoch, newEpoch(), this.#read);
    }
    const [epoch, start] = described;
    if (epoch !== this.#epoch) {
      const from = this.#epoch;
      this.#epoch = epoch;
      this.#start = start;
      this.#read = Math.min(this.#read, start);
      this.#seenFrom = this.#read;
      this.#position = start;
      this.#behind = undefined;
      this.#states.forgetNumbers();
      this.#latest.clear();
      this.#checkpointedAt = -1;
      this.#settings.logger.warn(`progress log: continuity lost (epoch ${from} -> ${epoch}): clients resync`);
      for (const listener of this.#listeners) listener.lost(epoch);
    } else if (this.#behind && described[2] >= this.#behind.through) {
      // The states hash holds what this reader missed: start from it, and read on from where it is complete.
      await this.#states.replace();
      this.#learnLatest();
      // Entries after it go to the states again (those already in a state are skipped by number),
      // and those after what the sockets got, to the sockets.
      this.#read = Math.min(described[2], this.#position);
      this.#behind = undefined;
      this.#settings.logger.info(`progress log: states reloaded from Redis (complete at ${described[2]})`);
      this.#wake();
    }
    return described;
  }

  /** What the states loaded say of each project's newest number up to the position (the tail then reads on). */
  #learnLatest(): void {
    for (const [projectId, seq] of this.#states.newestPerProject(this.#position)) {
      if (seq > (this.#latest.get(projectId) ?? 0)) this.#latest.set(projectId, seq);
    }
  }

  /**
   * Whether the stream holds entry `seq` of `epoch`, of a project `scope` accepts.
   * @throws LogUnavailableError when Redis does not answer
   */
  async #isOneOf(seq: number, epoch: string, scope: (projectId: string) => boolean): Promise<boolean> {
    try {
      return await holdsEntry(this.#commands, this.#keys.stream, seq, epoch, scope);
    } catch (error) {
      throw this.#redis.failure('replay', error);
    }
  }

  /** The stream's newest number. */
  #head(): Promise<number> {
    return headOf(this.#commands, this.#keys.stream);
  }

  /** Resolves once everything the stream held when asked is applied here (at once when Redis does not answer). */
  async #whenCurrent(): Promise<void> {
    this.#startTail();
    let head: number;
    try {
      head = await this.#head();
    } catch {
      return;
    }
    if ((this.#read >= head && !this.#behind) || this.#closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#settings.commandTimeout);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push({ seq: head, resolve: done });
    });
  }

  #wake(): void {
    if (this.#behind) return;
    const read = this.#read;
    const ready = this.#waiters.filter((w) => w.seq <= read);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.seq > read);
    for (const waiter of ready) waiter.resolve();
  }

  /** After a failed read: wait a little (ioredis reconnects meanwhile), then check before reading on. */
  async #pause(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (!this.#closed) this.#recheck = true;
  }
}
