import type { Command } from 'commander';
import { AppError } from '@nanobot/core';
import type { LoadedConfig } from '@nanobot/config';
import { withRedis } from './with-redis.js';
import { createCronStore, cronTargetSchema, describeSchedule, parseSchedule, type CronJobView, type CronStore, type CronTarget } from '@nanobot/cron';

const print = (line: string) => process.stdout.write(`${line}\n`);

/** Runs one cron action against the cluster's Redis, with the job store on that connection. */
function withStore(use: (store: CronStore, config: LoadedConfig['config']) => Promise<void>): Promise<void> {
  return withRedis(async (redis, loaded) => {
    const store = createCronStore({ redis });
    try {
      await use(store, loaded.config);
    } finally {
      await store.close().catch(() => undefined); // closing after a failure; the failure is reported
    }
  });
}

const when = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString());

function toRow(job: CronJobView): string {
  const last = job.runs[0];
  const lastText =
    last === undefined ? 'never' : `${when(last.runAtMs)} ${last.status} in ${(last.durationMs / 1000).toFixed(1)}s${last.error === undefined ? '' : ` (${last.error})`}`;
  const target = job.deliver === undefined ? '(history only)' : `${job.deliver.channel}:${job.deliver.chatId}`;
  return `${job.id}  ${job.enabled ? 'enabled ' : 'disabled'}  ${job.name}  ${describeSchedule(job.schedule)}  → ${target}  next ${when(job.nextRunAtMs)}  last ${lastText}`;
}

type AddOptions = { name: string; message: string; every?: string; cron?: string; tz?: string; at?: string; deliver: boolean; to?: string; channel?: string };

function toTarget(options: AddOptions, channels: LoadedConfig['config']['channels']): CronTarget | undefined {
  if (!options.deliver) {
    if (options.to !== undefined || options.channel !== undefined) throw new AppError('MESSAGE_INVALID', 'deliver: --to and --channel need --deliver', { details: { field: 'deliver' } });
    return undefined;
  }
  if (options.to === undefined || options.channel === undefined) throw new AppError('MESSAGE_INVALID', 'deliver: --deliver needs --to CHAT and --channel CHANNEL', { details: { field: 'deliver' } });
  // The chat's own session (`channel:chatId`, as toSessionKey makes it): the job's turns see its history.
  const parsed = cronTargetSchema.safeParse({ channel: options.channel, chatId: options.to, sessionKey: `${options.channel}:${options.to}` });
  if (!parsed.success) throw new AppError('MESSAGE_INVALID', `channel: unknown channel "${options.channel}" (expected telegram or whatsapp)`, { details: { field: 'channel' } });
  const enabled = parsed.data.channel === 'telegram' ? channels.telegram.enabled : channels.whatsapp.enabled;
  if (!enabled) process.stderr.write(`warning: channels.${parsed.data.channel}.enabled is false: the answer waits until that channel runs\n`);
  return parsed.data;
}

/** nanobot's `cron` commands, on the running cluster: every change applies at once. */
export function registerCronCommands(program: Command): void {
  const cron = program.command('cron').description('scheduled jobs: reminders and recurring tasks, run as agent turns');
  cron
    .command('list')
    .description('list the jobs with their next and last run')
    .option('--all', 'include disabled jobs', false)
    .option('--json', 'print JSON', false)
    .action((options: { all: boolean; json: boolean }) =>
      withStore(async (store) => {
        const jobs = (await store.list()).filter((job) => options.all || job.enabled);
        if (options.json) print(JSON.stringify(jobs, null, 2));
        else if (jobs.length === 0) print(options.all ? 'No scheduled jobs.' : 'No enabled jobs (--all shows disabled ones).');
        else for (const job of jobs) print(toRow(job));
      }),
    );
  cron
    .command('add')
    .description('add a job: --every SECONDS | --cron EXPR [--tz TZ] | --at ISO')
    .requiredOption('--name <name>', 'a short label')
    .requiredOption('--message <text>', 'what the agent is told when the job fires')
    .option('--every <seconds>', 'repeat every this many seconds')
    .option('--cron <expr>', 'a cron expression, e.g. "0 9 * * 1-5"')
    .option('--tz <zone>', 'IANA time zone of --cron (default: this machine\'s)')
    .option('--at <iso>', 'once, at this date and time (e.g. 2026-12-24T18:00)')
    .option('--deliver', 'send the answer to a chat (with --to and --channel)', false)
    .option('--to <chat>', 'the chat id to send the answer to')
    .option('--channel <name>', 'telegram or whatsapp')
    .action((options: AddOptions) =>
      withStore(async (store, config) => {
        const defaultTz = Intl.DateTimeFormat().resolvedOptions().timeZone;
        const schedule = parseSchedule({ ...pickSchedule(options) }, { defaultTz, now: Date.now() });
        const deliver = toTarget(options, config.channels);
        const job = await store.add({ name: options.name, message: options.message, schedule, ...(deliver === undefined ? {} : { deliver }) });
        print(`Added job ${job.id} (${describeSchedule(job.schedule)})`);
      }),
    );
  cron
    .command('remove')
    .description('remove a job; it stops at once')
    .argument('<id>')
    .action((id: string) =>
      withStore(async (store) => {
        if (!(await store.remove(id))) throw new AppError('MESSAGE_INVALID', `id: no cron job "${id}"`);
        print(`Removed job ${id}`);
      }),
    );
  cron
    .command('enable')
    .description('enable a job (or disable it with --disable)')
    .argument('<id>')
    .option('--disable', 'disable instead', false)
    .action((id: string, options: { disable: boolean }) =>
      withStore(async (store) => {
        const job = await store.setEnabled(id, !options.disable);
        print(`Job ${job.id} ${job.enabled ? 'enabled' : 'disabled'}`);
      }),
    );
  cron
    .command('run')
    .description('run a job now, outside its schedule')
    .argument('<id>')
    .option('--force', 'run it even if it is disabled', false)
    .action((id: string, options: { force: boolean }) =>
      withStore(async (store) => {
        await store.runNow(id, options.force);
        print(`Job ${id} queued to run now`);
      }),
    );
}

function pickSchedule(options: AddOptions) {
  return {
    ...(options.every === undefined ? {} : { everyS: options.every }),
    ...(options.cron === undefined ? {} : { cron: options.cron }),
    ...(options.tz === undefined ? {} : { tz: options.tz }),
    ...(options.at === undefined ? {} : { at: options.at }),
  };
}
