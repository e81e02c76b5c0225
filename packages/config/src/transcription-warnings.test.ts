import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';

const options = { env: {}, homeDir: '/home/ada', nanobotHome: '/home/ada/.nanobot' };
const warningsOf = (raw: Record<string, unknown>) => parseConfig(raw, options).warnings.filter((w) => w.startsWith('transcription'));

describe('transcription settings', () => {
  it('takes nanobot\'s keys, snake_case too, with its defaults', () => {
    const { config } = parseConfig({ transcription: { provider: 'openai', max_duration_sec: 60, language: 'de' } }, options);
    expect(config.transcription).toEqual({ enabled: true, provider: 'openai', language: 'de', maxDurationSec: 60, maxUploadMb: 25 });
    expect(parseConfig({}, options).config.transcription).toMatchObject({ enabled: true, provider: 'groq', maxDurationSec: 120 });
  });

  it('warns when the named provider has no key or no known endpoint, and only when transcription is set', () => {
    expect(warningsOf({})).toEqual([]);
    expect(warningsOf({ transcription: { provider: 'groq' } })).toEqual([expect.stringMatching(/providers\.groq\.apiKey is not set/)]);
    expect(warningsOf({ transcription: { provider: 'groq' }, providers: { groq: { apiKey: 'k' } } })).toEqual([]);
    expect(warningsOf({ transcription: { provider: 'whisperx' } })).toEqual([expect.stringMatching(/needs providers\.whisperx\.apiBase/)]);
    expect(warningsOf({ transcription: { provider: 'local' }, providers: { local: { apiBase: 'http://127.0.0.1:9000/v1' } } })).toEqual([]);
    expect(warningsOf({ transcription: { enabled: false, provider: 'whisperx' } })).toEqual([]);
  });

  it('refuses a language that is not an ISO code and a duration over ten minutes', () => {
    expect(() => parseConfig({ transcription: { language: 'English' } }, options)).toThrow(/transcription\.language/);
    expect(() => parseConfig({ transcription: { maxDurationSec: 601 } }, options)).toThrow(/transcription\.maxDurationSec/);
  });
});
