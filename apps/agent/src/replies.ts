function toDurationText(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.round(seconds / 60)} minutes`;
}

/** The fixed texts users see; nanobot's users know these words. */
export const replies = {
  error: 'Sorry, I encountered an error.',
  newSession: 'New session started.',
  newFailed: 'Memory archival failed, session not cleared. Please try again.',
  noTask: 'No active task to stop.',
  stopped: (count: number) => `Stopped ${count} task(s).`,
  iterationLimit: (max: number) =>
    `I reached the maximum number of tool call iterations (${max}) without completing the task. You can try breaking the task into smaller steps.`,
  /** Sent once per chat while a model outage lasts, after about 20 s of failing; the answer follows when the model is back. */
  modelWaiting: "The model is not answering right now; I'll keep trying and answer as soon as it's back.",
  /** The model stayed down for the whole retry window; the turn is parked in the failed set under `jobId`. */
  modelGaveUp: (forMs: number, jobId: string) =>
    `The model has not answered for ${toDurationText(forMs)}. Your message is saved and will be answered after \`nanobot retry ${jobId}\`.`,
  /** The result the model gets for a call with effects that a restart of the agent cut short. */
  toolInterrupted: (tool: string) =>
    `Error: this ${tool} call was interrupted by a restart of the agent before it finished; whether it took effect is unknown. Check its effect before running it again.`,
  /** `nanobot agent` without the cluster: the user is there to send it again. */
  modelDown: 'The model is not answering right now. Please try again in a moment.',
  /** The reply to a message that joined a running turn; the turn's answer follows as the reply to the turn's first message. */
  joined: '↪ Got it, I am adding this to the task I am working on.',
  start: "👋 Hi! I'm nanobot, your personal assistant.\n\nSend me a message and I'll answer.\nType /help to see what I understand.",
  /** `/restart`: the chat channel's connection is restarted by its worker's supervisor; the process stays. */
  restarting: (channel: string) => `Restarting the ${channel} channel…`,
  restartNobody: (channel: string) => `No ${channel} worker is running right now, so there is no channel to restart; pm2 starts the worker again by itself.`,
  restartNotHere: '/restart restarts the connection of a chat channel (Telegram, WhatsApp); this conversation has none.',
  help: [
    '🐈 nanobot commands:',
    '/new — start a new conversation',
    '/stop — stop the task that is running',
    '/restart — restart this chat channel\'s connection',
    '/status — model, uptime, token usage and session size',
    '/model [preset] — show or switch the model preset of this conversation',
    '/history [n] — the last n messages of this conversation',
    '/help — this list',
  ].join('\n'),
} as const;
