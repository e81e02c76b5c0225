export { createChannelWorker } from './create-channel-worker.js';
export type { ChannelKit, ChannelParts, ChannelWorker, ChannelWorkerOptions } from './create-channel-worker.js';
export { channelRestartDelay } from './restart-delay.js';
export type { RestartPolicy } from './restart-delay.js';
export { splitText } from './split-text.js';
export { createTypingIndicator } from './typing-indicator.js';
export type { TypingIndicator, TypingIndicatorOptions } from './typing-indicator.js';
export { createLeasedRun, createLeaseWait } from './leased-run.js';
export type { LeasedRunOptions, LeaseWaitOptions } from './leased-run.js';
