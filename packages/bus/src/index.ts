export { queueNames, jobNames, bullPrefix, keyPrefix, useKeyspace, currentKeyspace } from './queue-names.js';
export type { Keyspace } from './queue-names.js';
export { createRedis, connectionOptions, reconnectDelayMs, whenReady } from './redis-connection.js';
export type { ConnectionRole, CreateRedisOptions } from './redis-connection.js';
export { redisTlsOptions } from './redis-tls.js';
export { createRedisClient, durabilityOf } from './redis-client.js';
export type { RedisTlsFiles } from './redis-tls.js';
export {
  dedupeTtlMs,
  retention,
  inboundJobOptions,
  retentionDayMs,
  outboundJobOptions,
  workerReliability,
} from './job-options.js';
export { createQueues } from './create-queues.js';
export type { Queues, AddResult } from './create-queues.js';
export type { Durability } from './redis-client.js';
export { createSentMarkers, oursKept } from './sent-marker.js';
export { createStreamStates } from './stream-state.js';
export type { StreamState, StreamStates } from './stream-state.js';
export type { ChatRecord, ChunkRecord, SendingRecord, SentMarkers, SentState, UnresolvedChunk } from './sent-marker.js';
export { writeStatus, readStatuses, readHosts, createStatusReporter, hostsKey, forgetHostAfterMs } from './status-store.js';
export type { HostSeen, ProcessStatus, StatusReporterOptions } from './status-store.js';
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
export { createPairingStore, newPairingCode, normalizePairingCode, pairingCodeTtlS, pairingDenyTtlS, pairingMaxPending } from './pairing-store.js';
export type { PairingOffer, PairingStore, PendingPairing } from './pairing-store.js';
export { importPairingFile, readPairingFile, writePairingFile, pairingFileName } from './pairing-file.js';
export type { PairingFile } from './pairing-file.js';
export { createPairingGate, pairingReplyText } from './pairing-gate.js';
export type { PairingGate, Stranger } from './pairing-gate.js';
export { controlChannels } from './queue-names.js';
export { createChannelControl, requestChannelRestart } from './channel-control.js';
export type { ChannelControl, ChannelControlMessage, ChannelControlOptions } from './channel-control.js';
export { createTrafficRecorder, readTraffic, latencyPercentileMs, latencyBoundsMs, trafficBucketMs, trafficTtlMs } from './traffic.js';
export type { TrafficMinute, TrafficRecorder } from './traffic.js';
export { createHeldLease } from './held-lease.js';
export type { HeldLease, HeldLeaseOptions } from './held-lease.js';
export { createWorkerLiveness, defaultLiveness, livenessKeys } from './worker-liveness.js';
export type { LivenessOptions, WorkerLiveness } from './worker-liveness.js';
export { createLockRescue } from './lock-rescue.js';
export type { HeldLock, LockRescue, LockRescueOptions } from './lock-rescue.js';
export { createDeadWorkerSweeper } from './dead-worker-sweep.js';
export type { DeadWorkerSweeper, SweeperOptions } from './dead-worker-sweep.js';
export { resolveHostName } from './host-name.js';
export { classifyRedisError, isRedisTrouble, redisTroubleOf, redisTroubleLabel } from './redis-trouble.js';
export type { RedisTroubleKind } from './redis-trouble.js';
export { aboveHighWater, createMemoryHeadroom, HighWaterError, inboundHighWaterRatio } from './memory-headroom.js';
export type { MemoryHeadroom } from './memory-headroom.js';
export { homeNodeOf, isClusterClient, primariesOf } from './cluster-nodes.js';
export { closeWorker, createInHand } from './close-worker.js';
export type { ClosableWorker, CloseWorkerOptions, InHand } from './close-worker.js';
