import { writeFileSync } from 'node:fs';
import type { SendFaultPoint } from './send-outbound.js';

/** The send's fault points, and `after-download`: a received message's files are on disk, the message not yet queued. */
export type FaultPoint = SendFaultPoint | 'after-download';

/**
 * A fault-test hook (`NANOBOT_FAULT_POINT`, read by main.ts): kills the process at the named
 * moment of a send, so a test can stop the worker exactly between two steps instead of hoping
 * a `kill -9` lands there. With `onceFile` it fires once across restarts (the first process
 * to create the file fires); without it, once per process.
 */
export function createFaultPoint(options: { point: FaultPoint; onceFile?: string; kill: () => void }): (point: FaultPoint) => void {
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

export const isFaultPoint = (value: string | undefined): value is FaultPoint =>
  value === 'after-mark' || value === 'after-send' || value === 'after-download';
