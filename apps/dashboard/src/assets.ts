/** The page's only script: swaps in each live update, and says when the stream is down. */
export const appJs = `(() => {
  const target = document.getElementById('status');
  const conn = document.getElementById('conn');
  const say = (text, on) => { if (conn) { conn.textContent = text; conn.className = 'conn ' + (on ? 'on' : 'off'); } };
  if (!target) { if (conn) conn.textContent = ''; return; }
  if (!window.EventSource) { say('no live updates: reload to refresh', false); return; }
  const connect = () => {
    const source = new EventSource('/events');
    source.addEventListener('status', (event) => { target.innerHTML = event.data; say('live', true); });
    source.onerror = () => {
      say('dashboard unreachable, retrying…', false);
      // A closed stream (e.g. the dashboard answered 401 or restarted) is not retried by the browser.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
  };
  connect();
})();
`;

export const appCss = `:root { color-scheme: light dark; --ok: #1a7f37; --bad: #c62828; --muted: #6b7280; --card: rgba(127,127,127,.08); }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--card); position: sticky; top: 0; background: Canvas; }
header h1 { font-size: 1.1rem; margin: 0; }
nav { display: flex; gap: .8rem; }
nav a[aria-current] { font-weight: 600; text-decoration: none; }
main { padding: .5rem 1rem 2rem; max-width: 72rem; margin: 0 auto; }
h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
h3 { font-size: 1rem; margin: 0 0 .3rem; display: flex; justify-content: space-between; gap: .5rem; }
.conn { margin-left: auto; font-size: .8rem; color: var(--muted); }
.conn.on::before { content: "● "; color: var(--ok); }
.conn.off { color: var(--bad); }
.summary { border-radius: .6rem; padding: .6rem .9rem; margin-top: .8rem; }
.summary.ok { background: color-mix(in srgb, var(--ok) 15%, transparent); }
.summary.bad { background: color-mix(in srgb, var(--bad) 15%, transparent); }
.summary h2 { margin: 0; }
.reasons { margin: .4rem 0 0; padding-left: 1.2rem; }
.cards { display: grid; gap: .7rem; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); }
.card { background: var(--card); border-radius: .6rem; padding: .7rem .9rem; list-style: none; }
.instances, .jobs { margin: 0; padding: 0; list-style: none; display: grid; gap: .5rem; }
.instance { border-top: 1px solid var(--card); padding-top: .4rem; }
.pill { border-radius: 1rem; padding: 0 .6rem; font-size: .8rem; font-weight: 600; color: #fff; white-space: nowrap; align-self: center; }
.pill.ok { background: var(--ok); }
.pill.bad { background: var(--bad); }
.pill.wait { background: #b26a00; }
.state, .role { font-size: .8rem; color: var(--muted); }
.facts, .updated, .empty { color: var(--muted); font-size: .85rem; margin: .2rem 0; overflow-wrap: anywhere; }
.reason, .error { color: var(--bad); font-size: .85rem; margin: .2rem 0; overflow-wrap: anywhere; }
.notice { background: color-mix(in srgb, var(--ok) 15%, transparent); padding: .5rem .8rem; border-radius: .5rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--card); white-space: nowrap; }
.actions { display: flex; gap: .5rem; margin-top: .4rem; }
button { font: inherit; padding: .45rem 1rem; border-radius: .4rem; border: 1px solid var(--muted); background: Canvas; color: CanvasText; min-height: 2.5rem; }
button.retry { border-color: var(--ok); }
button.discard { border-color: var(--bad); }
.charts { display: grid; gap: .7rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); }
.chart { margin: 0; background: var(--card); border-radius: .6rem; padding: .5rem .7rem; }
.chart figcaption { font-size: .8rem; color: var(--muted); display: flex; flex-wrap: wrap; gap: .2rem .7rem; }
.chart .scale { margin-left: auto; }
.spark { display: block; width: 100%; height: 4.5rem; margin-top: .3rem; }
.spark .axis { stroke: var(--muted); stroke-width: 1; vector-effect: non-scaling-stroke; opacity: .5; }
.spark .in, .key.in::before { fill: #2563eb; background: #2563eb; }
.spark .out, .key.out::before { fill: var(--ok); background: var(--ok); }
.spark .lat, .key.lat::before { fill: #b26a00; background: #b26a00; }
.key::before { content: ""; display: inline-block; width: .7em; height: .7em; border-radius: .15em; margin-right: .3em; vertical-align: -.05em; }
`;
