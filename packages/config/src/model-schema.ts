import { z } from 'zod';

/**
 * nanobot v0.3's model presets and inline fallbacks. A preset is a complete model setting
 * with nanobot's own defaults (it does not inherit `agents.defaults`); an inline fallback
 * takes what it leaves out from the model it stands in for.
 */

const positiveInt = z.number().int().positive();
const temperature = z.number().min(0).max(2);

/** `modelPresets.<name>`: nanobot's `ModelPresetConfig`. */
export const modelPresetSchema = z.object({
  model: z.string().min(1),
  provider: z.string().min(1).default('auto'),
  maxTokens: positiveInt.default(8192),
  temperature: temperature.default(0.1),
});

/** One inline entry of `agents.defaults.fallbackModels`: nanobot's `InlineFallbackConfig`. */
export const inlineFallbackSchema = z.object({
  model: z.string().min(1),
  provider: z.string().min(1),
  maxTokens: positiveInt.optional(),
  temperature: temperature.optional(),
});

/** A fallback is a preset name, a model name (ours, as before v0.3), or an inline object. */
export const fallbackModelSchema = z.union([z.string().min(1), inlineFallbackSchema]);

export type ModelPreset = z.infer<typeof modelPresetSchema>;
export type InlineFallback = z.infer<typeof inlineFallbackSchema>;
export type FallbackModel = z.infer<typeof fallbackModelSchema>;
