import { z } from 'zod';
import { defineTool, type Tool } from '../tools/tool-registry.js';
import { shortSubagentId, subagentJobId, toLabel, type SubagentJob } from './subagent-job.js';

export type SpawnToolOptions = {
  /** Queues the job (durably, under its id) and notes it as running for its session. */
  start: (job: SubagentJob) => Promise<void>;
};

/**
 * nanobot's `spawn`: hands a task to a subagent that runs in the background and answers at
 * once. The subagent is a job of the `subagent` queue whose id comes from this call's id, so
 * a re-run turn starts no second one (rerun-safe); its result comes back to this chat's
 * session as a message the main agent answers (run-subagent-job.ts).
 */
export function createSpawnTool(options: SpawnToolOptions): Tool {
  return defineTool({
    name: 'spawn',
    description:
      'Start a subagent that works on a task in the background, for complex or long work that can run on its own. ' +
      'It has the file, exec and web tools and reports back in this chat when it is done; this call returns at once.',
    rerunSafe: true,
    schema: z.object({
      task: z.string().trim().min(1).describe('The task for the subagent, with everything it needs to know'),
      label: z.string().optional().describe('A short label for the task, shown to the user'),
    }),
    async execute({ task, label: given }, context) {
      const turn = context.turn;
      if (turn === undefined || context.callId === undefined) return 'Error: spawn can only be used during a turn';
      const jobId = subagentJobId(context.callId);
      const label = toLabel(task, given);
      await options.start({
        jobId,
        task,
        label,
        origin: {
          channel: turn.channel,
          chatId: turn.chatId,
          sessionKey: turn.sessionKey,
          ...(turn.threadId === undefined ? {} : { threadId: turn.threadId }),
          ...(turn.sourceMessageId === undefined ? {} : { sourceMessageId: turn.sourceMessageId }),
          turnId: turn.id,
        },
      });
      return `Subagent [${label}] started (id: ${shortSubagentId(jobId)}). I'll notify you when it completes.`;
    },
  });
}
