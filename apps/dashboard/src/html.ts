/** A piece of markup that is already safe; anything else put into `html` is escaped. */
export type Html = { readonly markup: string };

const isHtml = (value: unknown): value is Html =>
  typeof value === 'object' && value !== null && typeof (value as { markup?: unknown }).markup === 'string';

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

function toMarkup(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(toMarkup).join('');
  if (isHtml(value)) return value.markup;
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<td>${text}</td>\`` escapes `text`; nested `html` and arrays pass through. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let markup = strings[0] ?? '';
  values.forEach((value, index) => {
    markup += toMarkup(value) + (strings[index + 1] ?? '');
  });
  return { markup };
}

/** "12s ago", "3m ago", "2h ago"; "-" for never. */
export function ago(at: number | null, now: number): string {
  if (at === null) return '-';
  return `${span(now - at)} ago`;
}

/** A duration for people: 45s, 12m, 5h, 3d. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}
