/** The reference progress server (Node only) and the protocol types it speaks. */
export * from './progress-server.js';
export type * from '../client/events.js';
