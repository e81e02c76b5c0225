import type { Command } from 'commander';
import { discardFailed, listFailed, retryFailed } from '@nanobot/ops';
import { withRedis } from './with-redis.js';

export function registerFailedCommands(program: Command): void {
  program
    .command('failed')
    .description('list jobs in the failed sets (kept 30 days): messages and replies that could not be handled')
    .option('-n, --limit <count>', 'how many, newest first', '20')
    .action((options: { limit: string }) =>
      withRedis(async (redis) => {
        const jobs = await listFailed(redis, Math.max(1, Number(options.limit) || 20));
        if (jobs.length === 0) process.stdout.write('No failed jobs.\n');
        for (const job of jobs) {
          const at = job.failedAt === null ? '-' : new Date(job.failedAt).toISOString();
          process.stdout.write(`${at}  ${job.queue.padEnd(18)} ${job.id.padEnd(32)} attempts ${job.attempts}  ${job.reason}\n`);
        }
      }),
    );
  program
    .command('retry')
    .description('put a failed job back in its queue (a reply marked uncertain may then arrive twice)')
    .argument('<jobId>')
    .action((jobId: string) =>
      withRedis(async (redis) => {
        const { queue, unmarked } = await retryFailed(redis, jobId);
        process.stdout.write(`${jobId} is back in ${queue}${unmarked > 0 ? ` (${unmarked} uncertain chunk(s) will be sent again)` : ''}\n`);
      }),
    );
  program
    .command('discard')
    .description('remove a failed job for good (what it would have done is dropped)')
    .argument('<jobId>')
    .action((jobId: string) =>
      withRedis(async (redis) => {
        const { queue } = await discardFailed(redis, jobId);
        process.stdout.write(`${jobId} is removed from ${queue}\n`);
      }),
    );
}
