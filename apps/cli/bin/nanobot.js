#!/usr/bin/env node
// `nanobot agent` loads only what the chat needs (see agent-main.ts); everything else the full CLI.
await import(process.argv[2] === 'agent' ? '../dist/agent-main.js' : '../dist/main.js');
