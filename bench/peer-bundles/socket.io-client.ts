/** What a page on socket.io ships: its client, as a bundler resolves it for the browser. */
export { io } from 'socket.io-client';
