import { Command } from 'commander';
import { registerAgentCommand } from './agent-command.js';

/**
 * `nanobot agent` on its own: the other commands' modules (BullMQ, Redis, pm2) are not
 * loaded, so the chat starts, and says what is wrong, without waiting for them.
 */
const program = new Command();
program.name('nanobot');
registerAgentCommand(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`nanobot: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
