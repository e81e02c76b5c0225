/** The fixed texts users see; nanobot's users know these words. */
export const replies = {
  error: 'Sorry, I encountered an error.',
  newSession: 'New session started.',
  noTask: 'No active task to stop.',
  stopped: (count: number) => `Stopped ${count} task(s).`,
  start: "👋 Hi! I'm nanobot, your personal assistant.\n\nSend me a message and I'll answer.\nType /help to see what I understand.",
  help: [
    '🐈 nanobot commands:',
    '/new — start a new conversation',
    '/stop — stop the task that is running',
    '/status — model, uptime and session size',
    '/help — this list',
  ].join('\n'),
} as const;
