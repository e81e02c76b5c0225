import { describe, expect, it } from 'vitest';
import type { ProcessStatus } from '@nanobot/bus';
import { describeWait } from './describe-wait.js';
import { toClusterVerdict } from './to-cluster-verdict.js';

const status = (app: string, row: Record<string, unknown>): ProcessStatus => ({
  app, instance: '0', pid: 1, host: 'h', updatedAt: 0, channels: { [app === 'nanobot-agent' ? 'agent' : 'telegram']: row },
});
const input = { configPath: '/home/me/.nanobot/config.json', final: false };

describe('toClusterVerdict', () => {
  it('sends through the cluster while an agent consumes, and answers locally without a cluster', () => {
    expect(toClusterVerdict({ ...input, statuses: [status('nanobot-agent', { state: 'running' })], inboundWorkers: 1 })).toEqual({ kind: 'cluster' });
    expect(toClusterVerdict({ ...input, statuses: [], inboundWorkers: 0 })).toEqual({ kind: 'local' });
  });

  it('refuses at once when the agent is unconfigured, naming the config file and the fix', () => {
    const verdict = toClusterVerdict({ ...input, statuses: [status('nanobot-agent', { state: 'unconfigured', lastError: 'CONFIG_INVALID: no LLM provider is configured' })], inboundWorkers: 0 });
    expect(verdict).toMatchObject({ kind: 'refuse' });
    const message = verdict.kind === 'refuse' ? verdict.message : '';
    expect(message).toContain('not configured');
    expect(message).toContain('no LLM provider is configured');
    expect(message).toContain('/home/me/.nanobot/config.json');
    expect(message).toContain('nanobot restart');
  });

  it('refuses when the cluster runs without an agent, and waits a moment for one being restarted', () => {
    const telegramOnly = [status('nanobot-telegram', { state: 'running' })];
    expect(toClusterVerdict({ ...input, statuses: telegramOnly, inboundWorkers: 0 })).toMatchObject({ kind: 'refuse', message: expect.stringContaining('no agent is consuming') });
    const restarting = [...telegramOnly, status('nanobot-agent', { state: 'running' })];
    expect(toClusterVerdict({ ...input, statuses: restarting, inboundWorkers: 0 })).toEqual({ kind: 'wait' });
    expect(toClusterVerdict({ ...input, statuses: restarting, inboundWorkers: 0, final: true })).toMatchObject({ kind: 'refuse' });
  });
});

describe('describeWait', () => {
  it('says what the message waits for', () => {
    expect(describeWait({ waitedMs: 5_000, jobState: 'active', inboundWorkers: 1 })).toBe('still waiting (5s): the agent is working on it');
    expect(describeWait({ waitedMs: 10_000, jobState: 'waiting', inboundWorkers: 2 })).toContain('every agent is busy');
    expect(describeWait({ waitedMs: 15_000, jobState: 'waiting', inboundWorkers: 0 })).toContain('no agent is consuming messages any more');
  });
});
