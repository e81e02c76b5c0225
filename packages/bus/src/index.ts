export { queueNames, jobNames, bullPrefix, keyPrefix } from './queue-names.js';
export { createRedis, connectionOptions, reconnectDelayMs } from './redis-connection.js';
export type { ConnectionRole, CreateRedisOptions } from './redis-connection.js';
export {
  dedupeTtlMs,
  retention,
  inboundJobOptions,
  outboundJobOptions,
  workerReliability,
} from './job-options.js';
export { createQueues } from './create-queues.js';
export type { Queues, AddResult } from './create-queues.js';
export { createSentMarkers, oursKept } from './sent-marker.js';
export { createStreamStates } from './stream-state.js';
export type { StreamState, StreamStates } from './stream-state.js';
export type { ChatRecord, ChunkRecord, SendingRecord, SentMarkers, SentState, UnresolvedChunk } from './sent-marker.js';
export { writeStatus, readStatuses, createStatusReporter } from './status-store.js';
export type { ProcessStatus, StatusReporterOptions } from './status-store.js';
export { createLease } from './create-lease.js';
export type { Lease, LeaseOptions } from './create-lease.js';
export { createErrorLogger } from './log-throttle.js';
export { putBackDelayMs, defaultMaxPutBacks } from './put-back-delay.js';
export { createPutBackHold, holdableWorkerOptions, putBackPollMs } from './put-back-hold.js';
export type { PutBackHold, PutBackHoldOptions, PutBackKind } from './put-back-hold.js';
export { acceptIntoMailbox, createSessionMailbox } from './session-mailbox.js';
export type { MailboxEntry, SessionMailbox, SessionOutage } from './session-mailbox.js';
export { recordLastActive, readLastActive } from './last-active.js';
export type { LastActiveChat } from './last-active.js';
export { createConnectionLease } from './connection-lease.js';
export type { ConnectionLease, ConnectionLeaseOptions } from './connection-lease.js';
