import { writeFileSync } from 'node:fs';

/**
 * A fault-test hook for any worker: `NANOBOT_FAULT_POINT=<name>` kills the process when the
 * code reaches the named moment, so a test stops a worker exactly between two steps instead
 * of hoping a `kill -9` lands there. With `NANOBOT_FAULT_ONCE_FILE` it fires once across
 * restarts (the first process to create the file fires). Returns undefined when not asked
 * for or when the name is not one of `points`.
 */
export function faultPointFromEnv<P extends string>(
  env: Record<string, string | undefined>,
  points: readonly P[],
  kill: () => void,
): ((point: P) => void) | undefined {
  const wanted = env.NANOBOT_FAULT_POINT;
  if (wanted === undefined || !(points as readonly string[]).includes(wanted)) return undefined;
  const onceFile = env.NANOBOT_FAULT_ONCE_FILE;
  let fired = false;
  return (point) => {
    if (point !== wanted || fired) return;
    fired = true;
    if (onceFile !== undefined) {
      try {
        writeFileSync(onceFile, `${point}\n`, { flag: 'wx' });
      } catch {
        return; // an earlier process fired already
      }
    }
    kill();
  };
}
