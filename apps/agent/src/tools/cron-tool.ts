import { z } from 'zod';
import { describeError, isAppError } from '@nanobot/core';
import { describeSchedule, parseSchedule, type CronStore, type CronTarget } from '@nanobot/cron';
import { defineTool, type Tool } from './tool-registry.js';

/** The chat a session key belongs to (`telegram:<chat>[:topic:<thread>]`, `whatsapp:<jid>`); none for others. */
export function toCronTarget(sessionKey: string): CronTarget | undefined {
  const topic = /^telegram:(-?\d+):topic:(\d+)$/.exec(sessionKey);
  if (topic !== null) return { channel: 'telegram', chatId: topic[1] ?? '', threadId: topic[2] ?? '', sessionKey };
  const match = /^(telegram|whatsapp):(.+)$/.exec(sessionKey);
  if (match === null) return undefined;
  return { channel: match[1] ?? '', chatId: match[2] ?? '', sessionKey };
}

const schema = z.object({
  action: z.enum(['add', 'list', 'remove']).describe('What to do'),
  name: z.string().max(200).optional().describe('A short label for the job; defaults to the start of the message'),
  message: z.string().optional().describe("Required for add: what to do when the job fires, e.g. 'Remind the user to call Ana'"),
  every_seconds: z.number().int().positive().optional().describe('For a recurring job: the interval in seconds'),
  cron_expr: z.string().optional().describe("For a job at set times: a cron expression such as '0 9 * * 1-5'"),
  tz: z.string().optional().describe("IANA time zone of cron_expr, e.g. 'Europe/Lisbon'"),
  at: z.string().optional().describe("For a one-time job: an ISO date and time, e.g. '2026-12-24T18:00'"),
  job_id: z.string().optional().describe('Required for remove: the job id from list'),
});

/**
 * nanobot's `cron` tool: reminders and recurring tasks for the chat the user is talking in. A
 * job it adds runs as a turn of this same session and its answer comes to this chat.
 */
export function createCronTool(options: { store: CronStore; timeZone: string; now?: () => number }): Tool {
  const now = options.now ?? Date.now;
  return defineTool({
    name: 'cron',
    description: `Schedule reminders and recurring tasks in this chat. Actions: add (message plus one of every_seconds, cron_expr, at), list, remove (job_id). Times without an offset are in ${options.timeZone}.`,
    schema,
    async execute(args, context) {
      switch (args.action) {
        case 'list': {
          const target = toCronTarget(context.sessionKey);
          const jobs = (await options.store.list()).filter((job) => job.deliver?.sessionKey === context.sessionKey || target === undefined);
          if (jobs.length === 0) return 'No scheduled jobs in this chat.';
          return jobs.map((job) => `- ${job.id}: ${job.name} (${describeSchedule(job.schedule)}${job.enabled ? '' : ', disabled'})`).join('\n');
        }
        case 'remove': {
          if (args.job_id === undefined || args.job_id === '') return 'Error: job_id is required when action is remove';
          const job = await options.store.get(args.job_id);
          if (job === undefined || job.deliver?.sessionKey !== context.sessionKey) return `Error: no job ${args.job_id} in this chat`;
          await options.store.remove(args.job_id);
          return `Removed job ${args.job_id}`;
        }
        case 'add':
          return add(args, context.sessionKey);
        default: {
          const never: never = args.action;
          return `Error: unknown action ${String(never)}`;
        }
      }
    },
  });

  async function add(args: z.infer<typeof schema>, sessionKey: string): Promise<string> {
    const message = args.message?.trim() ?? '';
    if (message === '') return 'Error: message is required when action is add (what should happen when the job fires)';
    const target = toCronTarget(sessionKey);
    if (target === undefined) return 'Error: jobs can only be scheduled from a chat';
    try {
      const schedule = parseSchedule(
        {
          ...(args.every_seconds === undefined ? {} : { everyS: args.every_seconds }),
          ...(args.cron_expr === undefined ? {} : { cron: args.cron_expr }),
          ...(args.tz === undefined ? {} : { tz: args.tz }),
          ...(args.at === undefined ? {} : { at: args.at }),
        },
        { defaultTz: options.timeZone, now: now() },
      );
      const job = await options.store.add({ name: args.name ?? message.slice(0, 30), message, schedule, deliver: target });
      return `Created job ${job.id}: ${job.name} (${describeSchedule(job.schedule)})`;
    } catch (err) {
      if (isAppError(err, 'MESSAGE_INVALID')) return `Error: ${err.message}`;
      throw new Error(`could not store the job: ${describeError(err)}`, { cause: err });
    }
  }
}
