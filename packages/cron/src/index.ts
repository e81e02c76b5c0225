export { cronJobSchema, cronRunSchema, cronScheduleSchema, cronTargetSchema, heartbeatJobId } from './cron-job.js';
export type { CronJob, CronRun, CronSchedule, CronTarget } from './cron-job.js';
export { createCronStore, cronFireJobName } from './create-cron-store.js';
export type { CronFireData, CronJobView, CronStore, NewCronJob } from './create-cron-store.js';
export { describeSchedule, isTimeZone, nextFireMs, parseInstant, parseSchedule } from './parse-schedule.js';
export type { ScheduleInput } from './parse-schedule.js';
