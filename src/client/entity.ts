/** Moved to the protocol folder, which the client and the server share. */
export * from '../protocol/entity.js';
