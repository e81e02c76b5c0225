import type { FailedJob } from '@nanobot/ops';
import { ago, html, type Html } from './html.js';

export type FailedPageOptions = {
  jobs: FailedJob[] | null;
  error: string | null;
  notice: string | null;
  csrf: string;
  now: number;
};

function renderJob(job: FailedJob, csrf: string, now: number): Html {
  const form = (action: 'retry' | 'discard', label: string) => html`<form method="post" action="/failed/${action}">
    <input type="hidden" name="id" value="${job.id}"><input type="hidden" name="csrf" value="${csrf}">
    <button type="submit" class="${action}" data-action="${action}">${label}</button></form>`;
  return html`<li class="card failed" data-job="${job.id}" data-queue="${job.queue}">
    <div><b>${job.id}</b> <span class="role">${job.queue}</span></div>
    <div class="facts">failed ${ago(job.failedAt, now)} · attempts ${job.attempts}</div>
    <div class="error">${job.reason}</div>
    <div class="actions">${form('retry', 'Retry')}${form('discard', 'Discard')}</div>
  </li>`;
}

/** What `nanobot failed` lists, with a button to replay or drop each job. */
export function renderFailed(options: FailedPageOptions): Html {
  const { jobs } = options;
  return html`<main>
    <h2>Failed jobs</h2>
    <p class="facts">Messages and replies that could not be handled, kept 30 days. Retry puts one back in its queue
    (a reply whose delivery was uncertain may then arrive twice); Discard drops it for good.</p>
    ${options.notice === null ? '' : html`<p class="notice" role="status">${options.notice}</p>`}
    ${options.error === null ? '' : html`<p class="reason">${options.error}</p>`}
    ${jobs === null ? '' : jobs.length === 0 ? html`<p class="empty">No failed jobs.</p>` : html`<ul class="jobs">${jobs.map((j) => renderJob(j, options.csrf, options.now))}</ul>`}
  </main>`;
}
