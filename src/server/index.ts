/** The reference progress server (Node only) and the protocol types it speaks. */
export * from './progress-server.js';
export type * from '../client/events.js';
export { ProgressJournal } from './journal.js';
export type { JournalOptions, Replay, SnapshotQuery } from './journal.js';
export * from './simulator.js';
