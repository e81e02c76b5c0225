/** One line of a pm2 log file, as `nanobot logs` shows it. */
export type LogEntry = { at: number | null; app: string; text: string };

// pm2 writes `log_date_format` (ecosystem.config.js) before each line: `2026-01-02 03:04:05.678 +00:00: `.
const pm2Prefix = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? [+-]\d\d:?\d\d): ([\s\S]*)$/;
const levels: Record<string, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'FATAL' };
const colors: Record<string, string> = { DEBUG: '\x1b[90m', TRACE: '\x1b[90m', WARN: '\x1b[33m', ERROR: '\x1b[31m', FATAL: '\x1b[31;1m' };
/** pino's own fields, shown in the line's head instead of as key=value. */
const headFields = new Set(['level', 'time', 'app', 'name', 'msg', 'pid', 'hostname']);

const two = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time, to the millisecond: `2026-01-02 03:04:05.678`. */
export function toLocalTime(at: number): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${two(d.getMilliseconds(), 3)}`;
}

function toValue(key: string, value: unknown): string {
  if (key === 'err' && typeof value === 'object' && value !== null) {
    const err = value as { message?: unknown; code?: unknown };
    const message = typeof err.message === 'string' ? err.message : JSON.stringify(value);
    return JSON.stringify(typeof err.code === 'string' && !message.startsWith(err.code) ? `${err.code}: ${message}` : message);
  }
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

/** Reads a line: pm2's date prefix, then a pino JSON object or any other output (redis-server's). */
export function parseLogLine(line: string, fileApp: string): LogEntry & { json: Record<string, unknown> | null } {
  const prefixed = pm2Prefix.exec(line);
  const rest = prefixed?.[2] ?? line;
  const prefixAt = prefixed?.[1] === undefined ? null : Date.parse(prefixed[1].replace(' ', 'T').replace(/ ([+-])/, '$1'));
  let json: Record<string, unknown> | null = null;
  if (rest.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      json = null; // not JSON after all: shown as it is
    }
  }
  const jsonAt = typeof json?.time === 'string' ? Date.parse(json.time) : typeof json?.time === 'number' ? json.time : NaN;
  const at = Number.isFinite(jsonAt) ? jsonAt : prefixAt !== null && Number.isFinite(prefixAt) ? prefixAt : null;
  const app = typeof json?.app === 'string' ? json.app : fileApp;
  return { at, app, text: rest, json };
}

/**
 * `2026-01-02 03:04:05.678 WARN  telegram  telegram unavailable, reply put back  jobId=tg-1-5-reply waitMs=2000`:
 * time, level, app (without `nanobot-`), the constant message, then the data fields.
 */
export function formatLogLine(line: string, options: { fileApp: string; color: boolean }): string {
  const entry = parseLogLine(line, options.fileApp);
  const time = entry.at === null ? ''.padEnd(23) : toLocalTime(entry.at);
  const app = entry.app.replace(/^nanobot-/, '').padEnd(15);
  if (entry.json === null) return `${time} ${''.padEnd(5)} ${app} ${entry.text}`;
  const json = entry.json;
  const level = levels[String(json.level)] ?? String(json.level ?? '').toUpperCase();
  const fields = Object.entries(json)
    .filter(([key]) => !headFields.has(key))
    .map(([key, value]) => `${key}=${toValue(key, value)}`)
    .join(' ');
  const head = `${time} ${level.padEnd(5)} ${app} ${typeof json.msg === 'string' ? json.msg : ''}${fields === '' ? '' : `  ${fields}`}`;
  const color = options.color ? colors[level] : undefined;
  return color === undefined ? head : `${color}${head}\x1b[0m`;
}

/** The app a pm2 log file belongs to: `nanobot-telegram-out.log`, `nanobot-agent-error-1.log`. */
export function appOfLogFile(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return /^(.*?)-(?:out|error)(?:-\d+)?\.log$/.exec(base)?.[1] ?? base;
}
