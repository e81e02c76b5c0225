import { describe, expect, it } from 'vitest';
import type { ProcessStatus } from '@nanobot/bus';
import { enabledChannels, judgeChannels } from './judge-channels.js';
import { judgeHealth } from './judge-health.js';
import type { ClusterState } from './read-cluster-state.js';
import { parseRedisInfo } from './parse-redis-info.js';

const now = 1_000_000_000;
const windowMs = 22_000;

function telegram(row: Record<string, unknown>, overrides: Partial<ProcessStatus> = {}): ProcessStatus {
  return {
    app: 'nanobot-telegram', instance: '0', pid: 11, host: 'h', updatedAt: now,
    channels: { telegram: { state: 'running', restarts: 0, consecutiveFailures: 0, lastError: null, lastErrorCode: null, nextRetryAt: null, lastAliveAt: now - 1_000, startedAt: now - 60_000, livenessWindowMs: windowMs, extra: { role: 'active' }, ...row } },
    ...overrides,
  };
}

function agent(row: Record<string, unknown>, instance = '0'): ProcessStatus {
  return { app: 'nanobot-agent', instance, pid: 22, host: 'h', updatedAt: now, channels: { agent: { state: 'running', model: 'm', turns: 0, ...row } } };
}

const state = (statuses: ProcessStatus[], inboundWorkers: number | null = 1): ClusterState => ({
  statuses, inboundWorkers, queues: [], redis: parseRedisInfo('aof_enabled:1\nmaxmemory_policy:noeviction'),
});

describe('judgeHealth', () => {
  it('is ok when every enabled channel polled within its window and an agent consumes', () => {
    const health = judgeHealth({ state: state([telegram({}), agent({})]), enabledChannels: ['telegram'], now });
    expect(health).toMatchObject({ ok: true, reasons: [], agent: { consuming: true, inboundWorkers: 1 } });
    expect(health.channels).toEqual([expect.objectContaining({ name: 'telegram', live: true, reason: null })]);
  });

  it('names a channel whose last poll is older than its watchdog window, even while it keeps restarting', () => {
    const row = { state: 'running', restarts: 4, startedAt: now - 2_000, lastAliveAt: now - 23_000, lastError: 'CHANNEL_UNAVAILABLE: getUpdates timed out' };
    const health = judgeHealth({ state: state([telegram(row), agent({})]), enabledChannels: ['telegram'], now });
    expect(health.ok).toBe(false);
    expect(health.reasons).toEqual(['telegram: last poll/pong 23s ago, beyond its 22s watchdog window (state running, last error CHANNEL_UNAVAILABLE: getUpdates timed out)']);
  });

  it('counts a fresh process as live only after its first poll, and shows it as starting meanwhile', () => {
    const fresh = { lastAliveAt: null, startedAt: now - 5_000, restarts: 0 };
    const health = judgeHealth({ state: state([telegram(fresh), agent({})]), enabledChannels: ['telegram'], now });
    expect(health.reasons).toEqual(['telegram: no completed poll/pong yet since the process started 5s ago (state running)']);
    expect(health.channels[0]).toMatchObject({ live: false, startingUp: true });
    const restarted = { ...fresh, restarts: 1, lastError: 'CHANNEL_CONFLICT: telegram reported a conflict on getUpdates' };
    const [channel] = judgeChannels({ statuses: [telegram(restarted)], enabled: ['telegram'], now });
    expect(channel).toMatchObject({ live: false, startingUp: false, reason: 'no completed poll/pong yet since the process started (state running, last error CHANNEL_CONFLICT: telegram reported a conflict on getUpdates)' });
  });

  it('does not count a channel that is stopping, whatever its last poll', () => {
    const [channel] = judgeChannels({ statuses: [telegram({ state: 'stopping' })], enabled: ['telegram'], now });
    expect(channel).toMatchObject({ live: false, reason: 'the channel is stopping (state stopping)' });
  });

  it('calls a refused token fatal', () => {
    const row = { state: 'backoff', lastErrorCode: 'CHANNEL_FATAL', lastError: 'CHANNEL_FATAL: telegram rejected the bot token (401) on getMe', lastAliveAt: now - 1_000 };
    const [channel] = judgeChannels({ statuses: [telegram(row)], enabled: ['telegram'], now });
    expect(channel).toMatchObject({ live: false, reason: 'fatal: CHANNEL_FATAL: telegram rejected the bot token (401) on getMe' });
    expect(channel?.instances[0]?.state).toBe('fatal');
  });

  it('names an enabled channel no process reports, and a record left by a killed process', () => {
    const missing = judgeHealth({ state: state([agent({})]), enabledChannels: ['telegram', 'whatsapp'], now });
    expect(missing.reasons).toEqual([
      'telegram: no process reports it (is nanobot-telegram running?)',
      'whatsapp: no process reports it (is nanobot-whatsapp running?)',
    ]);
    const killed = judgeHealth({ state: state([telegram({}), agent({})]), enabledChannels: ['telegram'], now, isGone: (s) => s.pid === 11 });
    expect(killed.reasons).toEqual(['telegram: no process reports it (is nanobot-telegram running?)']);
  });

  it('counts only the instance that polls, not a standby waiting for the lease', () => {
    const standby = telegram({ lastAliveAt: now - 500, extra: { role: 'standby' } }, { instance: '1', pid: 12 });
    const deadActive = telegram({ lastAliveAt: now - 60_000 });
    expect(judgeHealth({ state: state([deadActive, standby, agent({})]), enabledChannels: ['telegram'], now }).ok).toBe(false);
    expect(judgeChannels({ statuses: [standby], enabled: ['telegram'], now })[0]?.reason).toMatch(/only standbys/);
  });

  it('names the agent when no worker consumes: unconfigured, absent, or a record without a worker', () => {
    const unconfigured = agent({ state: 'unconfigured', lastError: 'CONFIG_INVALID: no LLM provider is configured' });
    expect(judgeHealth({ state: state([telegram({}), unconfigured], 0), enabledChannels: ['telegram'], now }).reasons).toEqual([
      'agent: unconfigured: CONFIG_INVALID: no LLM provider is configured; messages wait in the queue',
    ]);
    expect(judgeHealth({ state: state([telegram({})], 0), enabledChannels: ['telegram'], now }).reasons).toEqual([
      'agent: no agent instance is running (nanobot-agent); messages wait in the queue',
    ]);
    expect(judgeHealth({ state: state([telegram({}), agent({})], 0), enabledChannels: ['telegram'], now }).reasons).toEqual([
      'agent: no agent worker is connected to the inbound queue; messages wait in the queue',
    ]);
    // Where Redis will not list clients, the records decide.
    expect(judgeHealth({ state: state([telegram({}), agent({})], null), enabledChannels: ['telegram'], now }).ok).toBe(true);
  });

  it('reads the enabled channels from the config', () => {
    expect(enabledChannels({ telegram: { enabled: true }, whatsapp: { enabled: false }, sendProgress: true })).toEqual(['telegram']);
  });
});
