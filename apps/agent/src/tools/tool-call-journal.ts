import type { Redis } from 'ioredis';
import { keyPrefix } from '@nanobot/bus';
import { AppError } from '@nanobot/core';
import type { ToolCall } from '../llm/chat-types.js';
import type { ToolOutput } from './tool-registry.js';

/** What the model asked for at one iteration of a turn: its text and its tool calls, in order. */
export type RecordedStep = { text: string; calls: ToolCall[] };

/** One call's outcome, with the call it belongs to (a re-run checks it is the same call). */
export type RecordedResult = ToolOutput & { name: string; argumentsJson: string };

/** A call that was started: without a result it was cut short, and its effect is unknown. */
export type RecordedStart = { name: string; argumentsJson: string };

export type TurnRecord = {
  steps: Map<number, RecordedStep>;
  /** Keyed `<iteration>:<position>`. */
  results: Map<string, RecordedResult>;
  started: Map<string, RecordedStart>;
};

/**
 * The tool calls of the turns in progress, so a turn run again (after a crash, after a
 * model outage put it back, on another agent) replays what the model asked for and what the
 * tools answered instead of asking and running again. Keyed by the turn's inbound id, the
 * iteration and the call's position: the model's own call ids change with every answer.
 */
export type ToolCallJournal = {
  load(turnId: string): Promise<TurnRecord>;
  recordStep(turnId: string, iteration: number, step: RecordedStep): Promise<void>;
  recordStart(turnId: string, iteration: number, position: number, start: RecordedStart): Promise<void>;
  recordResult(turnId: string, iteration: number, position: number, result: RecordedResult): Promise<void>;
  /** The turn's answer is in the session file: its records are not needed any more. */
  clear(turnId: string): Promise<void>;
};

/**
 * Long enough for every re-run a turn may get: put back through an outage (minutes), parked
 * in the failed set for `nanobot retry` (kept 30 days there).
 */
const recordTtlMs = 30 * 24 * 3_600_000;

export const callSlot = (iteration: number, position: number) => `${iteration}:${position}`;

const emptyRecord = (): TurnRecord => ({ steps: new Map(), results: new Map(), started: new Map() });

function parseFields(fields: Record<string, string>): TurnRecord {
  const record = emptyRecord();
  for (const [field, json] of Object.entries(fields)) {
    const [kind, slot] = [field.slice(0, 2), field.slice(2)];
    const value: unknown = JSON.parse(json);
    if (kind === 's:') record.steps.set(Number(slot), value as RecordedStep);
    else if (kind === 'r:') record.results.set(slot, value as RecordedResult);
    else if (kind === 'b:') record.started.set(slot, value as RecordedStart);
  }
  return record;
}

/** The cluster's journal: one Redis hash per turn. */
export function createRedisToolJournal(redis: Redis): ToolCallJournal {
  const keyOf = (turnId: string) => `${keyPrefix}tool-calls:${turnId}`;
  const write = async (turnId: string, field: string, value: unknown): Promise<void> => {
    try {
      await redis.multi().hset(keyOf(turnId), field, JSON.stringify(value)).pexpire(keyOf(turnId), recordTtlMs).exec();
    } catch (cause) {
      // Going on without the record would let a re-run repeat the call: the turn fails instead.
      throw new AppError('BUS_UNAVAILABLE', `could not record tool call ${field} of turn ${turnId}`, { cause, details: { turnId } });
    }
  };
  return {
    async load(turnId) {
      try {
        return parseFields(await redis.hgetall(keyOf(turnId)));
      } catch (cause) {
        throw new AppError('BUS_UNAVAILABLE', `could not read the tool calls of turn ${turnId}`, { cause, details: { turnId } });
      }
    },
    recordStep: (turnId, iteration, step) => write(turnId, `s:${iteration}`, step),
    recordStart: (turnId, iteration, position, start) => write(turnId, `b:${callSlot(iteration, position)}`, start),
    recordResult: (turnId, iteration, position, result) => write(turnId, `r:${callSlot(iteration, position)}`, result),
    async clear(turnId) {
      await redis.del(keyOf(turnId));
    },
  };
}

/** `nanobot agent` without the cluster and tests: the same records, in this process. */
export function createMemoryToolJournal(): ToolCallJournal {
  const turns = new Map<string, TurnRecord>();
  const of = (turnId: string): TurnRecord => {
    let record = turns.get(turnId);
    if (record === undefined) turns.set(turnId, (record = emptyRecord()));
    return record;
  };
  return {
    load: async (turnId) => structuredClone(of(turnId)),
    recordStep: async (turnId, iteration, step) => void of(turnId).steps.set(iteration, structuredClone(step)),
    recordStart: async (turnId, iteration, position, start) => void of(turnId).started.set(callSlot(iteration, position), { ...start }),
    recordResult: async (turnId, iteration, position, result) => void of(turnId).results.set(callSlot(iteration, position), { ...result }),
    clear: async (turnId) => void turns.delete(turnId),
  };
}
