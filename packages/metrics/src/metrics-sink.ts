/** The part of @pm2/io the metrics use (a fake in unit tests). */
export type MetricsSink = {
  /** A gauge read by @pm2/io about once a second; strings are shown as they are. */
  metric(options: { name: string; unit?: string; value: () => number | string }): unknown;
  /** `pm2 trigger <app> <name>`: `reply` answers the trigger. */
  action(name: string, handler: (reply: (result: unknown) => void) => void): void;
};
