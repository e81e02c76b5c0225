import { redisWarnings, type AgentView, type ChannelView, type InstanceView, type QueueView, type RedisView } from '@nanobot/ops';
import type { ProcessInfo } from '@nanobot/ops';
import { ago, html, megabytes, span, type Html } from './html.js';
import { renderTraffic } from './render-traffic.js';
import type { Snapshot } from './snapshot.js';

const pill = (ok: boolean, yes: string, no: string) => html`<span class="pill ${ok ? 'ok' : 'bad'}">${ok ? yes : no}</span>`;

function renderInstance(i: InstanceView, now: number): Html {
  const retry = i.nextRetryAt === null ? '' : html` · retry in ${span(i.nextRetryAt - now)}`;
  return html`<li class="instance" data-state="${i.state}">
    <div><b>${i.app}#${i.instance}</b> <span class="state">${i.state}</span>${i.role === null ? '' : html` <span class="role">${i.role}</span>`}</div>
    <div class="facts">last poll ${ago(i.lastAliveAt, now)} (window ${span(i.windowMs)}) · restarts ${i.restarts} · failures ${i.consecutiveFailures}${retry} · pid ${i.pid}@${i.host}</div>
    ${i.lastError === null ? '' : html`<div class="error">last error: ${i.lastError}</div>`}
  </li>`;
}

function renderChannel(c: ChannelView, now: number): Html {
  const state = c.live ? html`<span class="pill ok">live</span>` : c.startingUp ? html`<span class="pill wait">starting</span>` : html`<span class="pill bad">down</span>`;
  return html`<article class="card channel" data-channel="${c.name}" data-live="${String(c.live)}">
    <h3>${c.name} ${state}</h3>
    ${c.reason === null ? '' : html`<p class="reason">${c.reason}</p>`}
    <ul class="instances">${c.instances.map((i) => renderInstance(i, now))}</ul>
  </article>`;
}

function renderAgent(agent: AgentView): Html {
  const workers = agent.inboundWorkers === null ? 'unknown' : String(agent.inboundWorkers);
  return html`<article class="card channel" data-channel="agent" data-live="${String(agent.consuming)}">
    <h3>agent ${pill(agent.consuming, 'consuming', 'not consuming')}</h3>
    ${agent.reason === null ? '' : html`<p class="reason">${agent.reason}</p>`}
    <p class="facts">workers on inbound: ${workers}</p>
    <ul class="instances">${agent.instances.map((i) => html`<li class="instance" data-state="${i.state}">
      <div><b>nanobot-agent#${i.instance}</b> <span class="state">${i.state}</span></div>
      <div class="facts">${i.model ?? '-'} · turns ${i.turns} · pid ${i.pid}@${i.host}</div>
      ${i.lastError === null ? '' : html`<div class="error">${i.lastError}</div>`}
    </li>`)}</ul>
  </article>`;
}

function renderQueues(queues: QueueView[], now: number): Html {
  return html`<div class="scroll"><table class="queues">
    <thead><tr><th>queue</th><th>waiting</th><th>oldest</th><th>active</th><th>delayed</th><th>failed</th><th>done</th></tr></thead>
    <tbody>${queues.map((q) => html`<tr data-queue="${q.name}">
      <td>${q.name}</td><td>${q.waiting}</td><td>${ago(q.oldestWaitingAt, now)}</td><td>${q.active}</td><td>${q.delayed}</td>
      <td>${q.failed > 0 ? html`<a href="/failed">${q.failed}</a>` : '0'}</td><td>${q.completed}</td></tr>`)}</tbody>
  </table></div>`;
}

function renderRedis(view: RedisView): Html {
  const limit = view.maxmemoryBytes > 0 ? `of ${megabytes(view.maxmemoryBytes)}` : '(no limit)';
  return html`<p class="facts">Redis ${view.version} · AOF ${view.aofEnabled ? 'on' : 'off'} ·
    memory ${megabytes(view.usedMemoryBytes)} ${limit} · policy ${view.maxmemoryPolicy}</p>
    ${redisWarnings(view).map((w) => html`<p class="reason">${w}</p>`)}`;
}

function renderProcesses(processes: ProcessInfo[] | null, error: string | null): Html {
  if (processes === null) return html`<p class="facts">${error ?? 'not running under pm2: no process list'}</p>`;
  const ours = processes.filter((p) => p.name.startsWith('nanobot-'));
  return html`<div class="scroll"><table class="processes">
    <thead><tr><th>process</th><th>status</th><th>pid</th><th>restarts</th><th>up</th><th>memory</th><th>cpu</th></tr></thead>
    <tbody>${ours.map((p) => html`<tr data-process="${p.name}" data-status="${p.status}">
      <td>${p.name}</td><td>${pill(p.status === 'online', p.status, p.status)}</td><td>${p.pid}</td><td>${p.restarts}</td>
      <td>${p.uptimeMs === null ? '-' : span(p.uptimeMs)}</td><td>${megabytes(p.memoryBytes)}</td><td>${p.cpu}%</td></tr>`)}</tbody>
  </table></div>${error === null ? '' : html`<p class="reason">${error}</p>`}`;
}

/** The live part of the status page; sent again on every refresh. */
export function renderStatus(snapshot: Snapshot, now: number): Html {
  const { health, state } = snapshot;
  return html`<section class="summary ${health.ok ? 'ok' : 'bad'}" data-health="${health.ok ? 'ok' : 'down'}">
      <h2>${health.ok ? 'All channels live, agent consuming' : 'Something is down'}</h2>
      ${health.reasons.length === 0 ? '' : html`<ul class="reasons">${health.reasons.map((r) => html`<li>${r}</li>`)}</ul>`}
    </section>
    ${renderTraffic(snapshot.traffic)}
    <h2>Channels</h2>
    <div class="cards">${health.channels.map((c) => renderChannel(c, now))}${state === null ? '' : renderAgent(health.agent)}</div>
    <h2>Queues</h2>
    ${state === null ? html`<p class="reason">${snapshot.redisError}</p>` : renderQueues(state.queues, now)}
    <h2>Redis</h2>
    ${state === null ? html`<p class="reason">${snapshot.redisError}</p>` : renderRedis(state.redis)}
    <h2>Processes</h2>
    ${renderProcesses(snapshot.processes, snapshot.processError)}
    <p class="updated">updated ${new Date(snapshot.readAt).toLocaleTimeString('en-GB')}</p>`;
}
