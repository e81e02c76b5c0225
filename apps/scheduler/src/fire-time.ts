/**
 * When a fired job was due, from its BullMQ id: `repeat:<scheduler>:<ms>` (a job scheduler's
 * fire), `at-<job>-<ms>` (a one-shot job), `run-<job>-<ms>` (`nanobot cron run`). The same fire
 * always gives the same instant, so a re-run of the job maps to the same turn.
 */
export function fireTimeOf(jobId: string | undefined, fallbackMs: number): number {
  const match = /[:-](\d{10,})$/.exec(jobId ?? '');
  return match === null ? fallbackMs : Number(match[1]);
}
