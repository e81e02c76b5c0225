import { html, type Html } from './html.js';

export type Page = 'status' | 'failed';

/** The page frame: served whole, no external resources (the CSP allows only this origin). */
export function renderLayout(options: { title: string; page: Page; body: Html }): string {
  const nav = (page: Page, href: string, label: string) =>
    html`<a href="${href}"${options.page === page ? html` aria-current="page"` : ''}>${label}</a>`;
  return `<!doctype html>${html`<html lang="en"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · nanobot</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head><body>
<header><h1>nanobot</h1><nav>${nav('status', '/', 'Status')}${nav('failed', '/failed', 'Failed jobs')}<a href="/queues">Queues</a></nav>
<span id="conn" class="conn">…</span></header>
${options.body}
</body></html>`.markup}`;
}
