/** What `nanobot onboard` was told (flags or answers), already checked; unset fields are left as they are. */
export type OnboardSetup = {
  provider?: string;
  apiKey?: string;
  apiBase?: string;
  model?: string;
  telegramToken?: string;
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** The config accepts nanobot's snake_case and camelCase alike: `api_key` is `apiKey`. */
const toCamel = (key: string) => key.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
const keyOf = (object: Json, name: string) => Object.keys(object).find((key) => toCamel(key) === name);

/**
 * Adds every field of `defaults` that `raw` lacks (in either spelling), at any depth, and
 * changes nothing `raw` has: `--refresh` keeps every value, `${VAR}` references and unknown
 * keys included, and writes the fields a newer version knows.
 */
export function fillMissing(raw: Json, defaults: Json): Json {
  const out: Json = { ...raw };
  for (const [name, value] of Object.entries(defaults)) {
    const existing = keyOf(out, name);
    if (existing === undefined) out[name] = value;
    else if (isObject(out[existing]) && isObject(value)) out[existing] = fillMissing(out[existing], value);
  }
  return out;
}

/** Sets a value at a path, following the spelling the file already uses at each level. */
function setPath(object: Json, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const key = keyOf(object, head) ?? head;
  if (rest.length === 0) {
    object[key] = value;
    return;
  }
  if (!isObject(object[key])) object[key] = {};
  setPath(object[key] as Json, rest, value);
}

/**
 * Writes the setup into a config object (in place) and says what changed, secrets as
 * "(hidden)". A provider given becomes `agents.defaults.provider`, so its key is the one used.
 */
export function applySetup(config: Json, setup: OnboardSetup): string[] {
  const changed: string[] = [];
  const set = (path: string[], value: unknown, secret = false) => {
    setPath(config, path, value);
    changed.push(`${path.join('.')} ${secret ? '(hidden)' : `= ${JSON.stringify(value)}`}`);
  };
  if (setup.provider !== undefined) {
    set(['agents', 'defaults', 'provider'], setup.provider);
    if (setup.apiKey !== undefined) set(['providers', setup.provider, 'apiKey'], setup.apiKey, true);
    if (setup.apiBase !== undefined) set(['providers', setup.provider, 'apiBase'], setup.apiBase);
  }
  if (setup.model !== undefined) set(['agents', 'defaults', 'model'], setup.model);
  if (setup.telegramToken !== undefined) {
    set(['channels', 'telegram', 'token'], setup.telegramToken, true);
    set(['channels', 'telegram', 'enabled'], true);
  }
  return changed;
}

export const isEmptySetup = (setup: OnboardSetup) => Object.values(setup).every((value) => value === undefined);
