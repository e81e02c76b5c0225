import { writeFileSync } from 'node:fs';
import type { SendFaultPoint } from './send-outbound.js';

/**
 * A fault-test hook (`NANOBOT_FAULT_POINT`, read by main.ts): kills the process at the named
 * moment of a send, so a test can stop the worker exactly between two steps instead of hoping
 * a `kill -9` lands there. With `onceFile` it fires once across restarts (the first process
 * to create the file fires); without it, once per process.
 */
export function createFaultPoint(options: { point: SendFaultPoint; onceFile?: string; kill: () => void }): (point: SendFaultPoint) => void {
  let fired = false;
  return (point) => {
    if (point !== options.point || fired) return;
    fired = true;
    if (options.onceFile !== undefined) {
      try {
        writeFileSync(options.onceFile, `${point}\n`, { flag: 'wx' });
      } catch {
        // The file exists: an earlier process fired already.
        return;
      }
    }
    options.kill();
  };
}

export const isSendFaultPoint = (value: string | undefined): value is SendFaultPoint => value === 'after-mark' || value === 'after-send';
