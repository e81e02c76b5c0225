import type { AppError } from '@nanobot/core';

const detail = (error: AppError, name: string): string | undefined => {
  const value = error.details?.[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

/**
 * What the user is told when the model rejects a turn for good (LLM_REJECTED): the status
 * and what to change, in words. Built from the status, the provider's config name and the
 * model name only: the provider's own message can quote part of the key or the prompt.
 */
export function describeLlmRejection(error: AppError): string {
  const status = detail(error, 'status');
  const provider = detail(error, 'provider') ?? '<name>';
  const model = detail(error, 'model') ?? 'the model';
  if (detail(error, 'reason') === 'context_too_long') {
    return `This conversation is too long for ${model} (${status ?? 'rejected'}). Send /new to start a new session.`;
  }
  switch (status) {
    case '401':
      return `The model provider rejected the API key (401). Check providers.${provider}.apiKey in config.json.`;
    case '402':
      return `The model provider asks for payment (402): the ${provider} account has no credit left.`;
    case '403':
      return `The model provider refused access to ${model} (403). Check providers.${provider}.apiKey and what that account may use.`;
    case '404':
      return `The model provider does not know ${model} (404). Check agents.defaults.model (and providers.${provider}.apiBase) in config.json.`;
    case undefined:
      return `The model provider rejected the request for ${model}. The agent's log has the details.`;
    default:
      return `The model provider rejected the request for ${model} (${status}). The agent's log has the details.`;
  }
}
