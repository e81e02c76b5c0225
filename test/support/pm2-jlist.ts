import type { Cluster } from '@nanobot/testkit';

type Metric = { value?: unknown; unit?: string };
export type Jlist = Array<{
  name: string;
  pid: number;
  pm2_env: { restart_time: number; axm_monitor?: Record<string, Metric>; axm_actions?: Array<{ action_name: string }> };
}>;

export async function jlist(cluster: Cluster): Promise<Jlist> {
  const result = await cluster.pm2('jlist');
  const json = result.stdout.split('\n').find((line) => line.startsWith('[')) ?? '[]';
  return JSON.parse(json) as Jlist;
}

/** The custom metrics pm2 holds for `name` (what `pm2 monit` shows), as name → value. */
export async function metricsOf(cluster: Cluster, name: string): Promise<Record<string, unknown>> {
  const app = (await jlist(cluster)).find((p) => p.name === name);
  return Object.fromEntries(Object.entries(app?.pm2_env.axm_monitor ?? {}).map(([key, metric]) => [key, metric.value]));
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export type LogLine = { msg?: string; reason?: string; time?: string };

/** Log lines (pino JSON) of an app, parsed. */
export async function logLines(cluster: Cluster, name: string): Promise<LogLine[]> {
  const text = await cluster.logs(name);
  return text.split('\n').flatMap((line) => {
    const start = line.indexOf('{');
    if (start < 0) return [];
    try {
      return [JSON.parse(line.slice(start)) as LogLine];
    } catch {
      return []; // not a pino line (pm2's own output)
    }
  });
}

export const num = (value: unknown): number => Number(value ?? Number.NaN);
