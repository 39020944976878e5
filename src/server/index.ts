/**
 * The reference progress server (Node only), its logs and the protocol types it speaks. Several
 * servers on one Redis: `@aintandem/progress-elements/server/redis`; its metrics for Prometheus:
 * `@aintandem/progress-elements/server/metrics`; the simulator of runs:
 * `@aintandem/progress-elements/server/simulator`.
 */
export { CLOSE_FORBIDDEN, CLOSE_SERVICE_RESTART, CLOSE_TOO_MANY, CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHORIZED, createProgressServer } from './progress-server.js';
export type {
  AccessGrant,
  AuthenticateAnswer,
  ClientFrameRejection,
  ClientMessage,
  ProgressClientInfo,
  ProgressServer,
  ProgressServerOptions,
  ProjectScope,
  SocketTerms,
} from './progress-server.js';
export type { ContainerSpelling } from './event-frames.js';
export type { OperationsOptions } from './operations.js';
export type { ServerObserver, ServerProbe, SessionOutcome, SocketKind } from './observer.js';
export type { DrainClock, DrainOptions } from './drain.js';
export type { BearerKeys } from './bearer-key.js';
export type { ProjectAccess, RunActionAuthorisation, RunActionResult, RunActions, RunActionVerdict } from './run-actions.js';
export { createProgressPublisher } from './publisher.js';
export type { ProgressPublisher, ProgressPublisherOptions } from './publisher.js';
export { ProgressJournal } from './journal.js';
export { MemoryOutputStore } from './memory-output-store.js';
export type { MemoryOutputStoreOptions } from './memory-output-store.js';
export { OutputUnavailableError } from './output-store.js';
export type { LineFields, OutputLine, OutputRead, OutputReadOptions, OutputStore } from './output-store.js';
export type { JournalOptions } from './journal.js';
export { LogUnavailableError } from './progress-log.js';
export type { LogEntry, ProgressLog, ReadRequest, ReadResult, TailListener } from './progress-log.js';
export type { EntityStates, SnapshotQuery } from './entity-states.js';
export type * from '../protocol/events.js';
export type { EntityState } from '../protocol/state/progress-store.js';
