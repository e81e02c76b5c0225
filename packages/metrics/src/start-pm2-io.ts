import { createRequire } from 'node:module';
import type { MetricsSink } from './metrics-sink.js';

const require = createRequire(import.meta.url);

/**
 * What we hand @pm2/io: no exception or rejection handlers (design-notes L12), no profiler, no
 * http/v8/network probes; only its event-loop delay histogram, shown as "Event Loop Latency p95".
 */
export const pm2IoConfig = {
  catchExceptions: false,
  profiling: false,
  actions: { eventLoopDump: false },
  metrics: { v8: false, runtime: false, http: false, network: false, eventLoop: { eventLoopActive: false, eventLoopDelay: true } },
} as const;

type Pmx = { init(config: typeof pm2IoConfig): Pmx } & MetricsSink;
type PmxModule = { default: new () => Pmx };

/**
 * Starts @pm2/io for `pm2 monit`, `pm2 jlist` and `pm2 trigger`, keeping unhandled rejections fatal.
 *
 * Not `require('@pm2/io').init({ catchExceptions: false })`: the package's entry point initialises
 * itself with the defaults when it is loaded, which installs rejection and exception handlers that
 * a later init() does not remove, so a rejection would only be logged. The class is loaded without
 * the entry point and registered under the entry point's global key, so anything that loads
 * `@pm2/io` later gets this instance instead of initialising a second one.
 */
export function startPm2Io(): MetricsSink {
  const key = Symbol.for('@pm2/io');
  const registry = globalThis as unknown as Record<symbol, Pmx | undefined>;
  const existing = registry[key];
  if (existing !== undefined) return existing;
  const { default: Pmx } = require('@pm2/io/build/main/pmx.js') as PmxModule;
  const io = new Pmx().init(pm2IoConfig);
  registry[key] = io;
  return io;
}
