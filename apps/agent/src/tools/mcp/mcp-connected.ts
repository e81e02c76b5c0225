/** What an MCP connection needs from the SDK, in one module that mcp-servers.ts loads on first use. */
export { connectMcpServer } from './connect-mcp-server.js';
export { createMcpTool, isAnswered } from './mcp-tool.js';
