import { describe, expect, it } from 'vitest';
import type { McpServerConfig } from '@nanobot/config';
import { selectTools, toMcpToolName } from './mcp-names.js';
import { renderCallResult } from './mcp-tool.js';
import { detectTransport, toServerEnv } from './mcp-transport.js';

const server = (fields: Partial<McpServerConfig>): McpServerConfig => ({ toolTimeout: 30, ...fields });

describe('MCP tool names, as nanobot makes them', () => {
  it('prefixes mcp_<server>_ and turns other characters into one underscore', () => {
    expect(toMcpToolName('fs', 'read_text_file')).toBe('mcp_fs_read_text_file');
    expect(toMcpToolName('my.server', 'get-env')).toBe('mcp_my_server_get-env');
    expect(toMcpToolName('a b', 'x..y//z')).toBe('mcp_a_b_x_y_z');
  });

  it('cuts a name over 64 characters, keeping 8 hex digits of its hash so long names stay apart', () => {
    const a = toMcpToolName('server', 'x'.repeat(80));
    const b = toMcpToolName('server', `${'x'.repeat(79)}y`);
    expect(a).toHaveLength(64);
    expect(a).toMatch(/^mcp_server_x+_[0-9a-f]{8}$/);
    expect(b).not.toBe(a);
  });
});

describe('enabledTools', () => {
  const tools = [{ name: 'read' }, { name: 'write' }, { name: 'delete' }];
  it('keeps every tool when absent or holding "*"', () => {
    expect(selectTools('fs', tools, undefined).selected).toEqual(tools);
    expect(selectTools('fs', tools, ['*']).selected).toEqual(tools);
    expect(selectTools('fs', tools, ['read', '*']).selected).toEqual(tools);
  });
  it('keeps the tools named by the raw or the mcp_ name, none for [], and lists what matched nothing', () => {
    expect(selectTools('fs', tools, ['read', 'mcp_fs_write', 'nope'])).toEqual({ selected: [{ name: 'read' }, { name: 'write' }], unmatched: ['nope'] });
    expect(selectTools('fs', tools, [])).toEqual({ selected: [], unmatched: [] });
  });
});

describe('transports and the environment of a stdio server', () => {
  it('detects stdio from a command, SSE from a url ending in /sse, streamable HTTP otherwise; type wins', () => {
    expect(detectTransport('a', server({ command: 'npx' }))).toBe('stdio');
    expect(detectTransport('a', server({ url: 'http://127.0.0.1:1/sse' }))).toBe('sse');
    expect(detectTransport('a', server({ url: 'http://127.0.0.1:1/sse/' }))).toBe('sse');
    expect(detectTransport('a', server({ url: 'http://127.0.0.1:1/mcp' }))).toBe('streamableHttp');
    expect(detectTransport('a', server({ url: 'http://127.0.0.1:1/sse', type: 'streamableHttp' }))).toBe('streamableHttp');
    expect(() => detectTransport('a', server({}))).toThrow(/tools\.mcpServers\.a: neither command nor url/);
  });

  it('passes on PATH, HOME and LANG of the agent and the server env, nothing else', () => {
    const agentEnv = { PATH: '/bin', HOME: '/h', LANG: 'C', OPENAI_API_KEY: 'sk', REDIS_URL: 'redis://:pw@x', USER: 'u' };
    expect(toServerEnv(server({ env: { TOKEN: 't', PATH: '/opt/bin' } }), agentEnv)).toEqual({ PATH: '/opt/bin', HOME: '/h', LANG: 'C', TOKEN: 't' });
  });
});

describe('MCP results as the model reads them', () => {
  it('joins text, names other content, and marks a failed call', () => {
    expect(renderCallResult({ content: [{ type: 'text', text: 'a' }, { type: 'image', data: 'AAAA', mimeType: 'image/png' }, { type: 'resource_link', name: 'r', uri: 'file:///r' }] })).toBe(
      'a\n[image image/png, 3 bytes, not shown]\n[resource link r: file:///r]',
    );
    expect(renderCallResult({ content: [{ type: 'resource', resource: { uri: 'x://t', text: 'inline' } }] })).toBe('inline');
    expect(renderCallResult({ content: [], structuredContent: { n: 1 } })).toBe('{"n":1}');
    expect(renderCallResult({ content: [] })).toBe('(no output)');
    expect(renderCallResult({ content: [{ type: 'text', text: 'bad input' }], isError: true })).toBe('Error: bad input');
  });
});
