import { AppError, type InboundMessage } from '@nanobot/core';
import type { CommandAnswerer } from './answer-command.js';
import type { TurnContext, TurnOutcome } from './handle-turn.js';
import type { createMessageAnswerer } from './handle-turn.js';

export type HandleTurn = (message: InboundMessage, context: TurnContext) => Promise<TurnOutcome>;

/** One ordered turn of a session: a text message, `/new` or `/model`; immediate commands reaching here are answered too. */
export function createTurnHandler(deps: { answer: ReturnType<typeof createMessageAnswerer>; commands: CommandAnswerer }): HandleTurn {
  return async (message, context) => {
    switch (message.kind) {
      case 'message':
        return deps.answer(message, context);
      case 'command':
        if (message.command === 'new') return deps.commands.startNewSession(message, context.signal);
        if (message.command === 'model') return deps.commands.model(message);
        // Normally answered before the mailbox; a message queued by an older agent version lands here.
        await deps.commands.immediate(message, async () => 0);
        return { kind: 'done' };
      default: {
        const never: never = message;
        throw new AppError('MESSAGE_INVALID', `unknown message kind ${JSON.stringify(never)}`);
      }
    }
  };
}
