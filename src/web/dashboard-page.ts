/**
 * The dashboard: one self-contained page (no build step) that reads the same API the CLI uses,
 * with a token the person pastes once (kept in the browser's localStorage, never sent elsewhere).
 * Panels: rollouts (step, traffic split, per-version results), SLOs and error budgets, services,
 * feature flags, change requests, deploy markers, audit chain, capacity (forecast chart with its
 * interval, memory per revision, connection pools per database, reservations).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shipgate</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 18px; margin: 0; }
  header form { margin-left: auto; display: flex; gap: 6px; }
  header input { width: 320px; padding: 4px 6px; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 6px; padding: 12px 14px; box-shadow: 0 1px 2px #0002; overflow-x: auto; }
  section h2 { font-size: 15px; margin: 0 0 8px; }
  section h3 { font-size: 13px; margin: 10px 0 4px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e6eb; white-space: nowrap; }
  th { font-weight: 600; color: #555; font-size: 12px; text-transform: uppercase; }
  .ok { color: #137333; } .bad { color: #b3261e; font-weight: 600; } .muted { color: #777; }
  #status { font-size: 12px; }
  .chart { display: block; margin: 2px 0 8px; } .chart .band { fill: #c6dafc; } .chart .line { fill: none; stroke: #1a56c4; stroke-width: 1.5; }
  .bar { display: inline-block; width: 160px; height: 10px; background: #e4e6eb; border-radius: 3px; vertical-align: middle; }
  .bar i { display: block; height: 100%; border-radius: 3px; background: #137333; } .bar i.over { background: #b3261e; }
</style>
</head>
<body>
<header>
  <h1>Shipgate</h1><span id="status" class="muted"></span>
  <form id="login"><input id="token" type="password" placeholder="API token (shipgate token create --role viewer)" autocomplete="off"><button>Use token</button></form>
</header>
<main>
  <section><h2>Rollouts</h2><div id="rollouts" class="muted">…</div></section>
  <section><h2>SLOs and error budgets</h2><div id="slos" class="muted">…</div></section>
  <section><h2>Services</h2><div id="services" class="muted">…</div></section>
  <section><h2>Feature flags</h2><div id="flags" class="muted">…</div></section>
  <section><h2>Change requests</h2><div id="changes" class="muted">…</div></section>
  <section><h2>Deploy markers</h2><div id="markers" class="muted">…</div></section>
  <section><h2>Audit log</h2><div id="audit" class="muted">…</div></section>
  <section><h2>Capacity</h2><div id="capacity" class="muted">…</div></section>
</main>
<script>
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? '-').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
let token = localStorage.getItem('shipgate.token') || '';
$('token').value = token;
$('login').addEventListener('submit', (e) => { e.preventDefault(); token = $('token').value.trim(); localStorage.setItem('shipgate.token', token); refresh(); });

async function api(path) {
  const res = await fetch(path, { headers: token ? { authorization: 'Bearer ' + token } : {} });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || ('HTTP ' + res.status));
  return body;
}
/** The first array in an answer ({items: [...]}, {changes: [...]}, or the answer itself). */
function list(body) {
  if (Array.isArray(body)) return body;
  for (const v of Object.values(body || {})) if (Array.isArray(v)) return v;
  return [];
}
function table(headers, rows) {
  if (!rows.length) return '<span class="muted">none</span>';
  return '<table><thead><tr>' + headers.map((h) => '<th>' + esc(h) + '</th>').join('') + '</tr></thead><tbody>' +
    rows.map((r) => '<tr>' + r.map((c) => '<td>' + (c && c.html !== undefined ? c.html : esc(c)) + '</td>').join('') + '</tr>').join('') + '</tbody></table>';
}
/** The forecast as an SVG line over its interval band, hours along, requests/s up. */
function forecastChart(points, w, h) {
  if (!points.length) return '';
  const max = Math.max(...points.map((p) => p.upperRps), 1e-9);
  const x = (i) => ((i / Math.max(1, points.length - 1)) * w).toFixed(1);
  const y = (v) => (h - (v / max) * (h - 2) - 1).toFixed(1);
  const upper = points.map((p, i) => x(i) + ',' + y(p.upperRps));
  const lower = points.map((p, i) => x(i) + ',' + y(p.lowerRps)).reverse();
  return '<svg class="chart" width="' + w + '" height="' + h + '" role="img" aria-label="forecast">' +
    '<polygon class="band" points="' + upper.concat(lower).join(' ') + '"/>' +
    '<polyline class="line" points="' + points.map((p, i) => x(i) + ',' + y(p.rps)).join(' ') + '"/></svg>';
}
const bar = (used, limit) => ({ html: '<span class="bar"><i class="' + (used > limit ? 'over' : '') + '" style="width:' + Math.min(100, (100 * used) / Math.max(1, limit)).toFixed(0) + '%"></i></span> ' + esc(used + ' / ' + limit) });
const cls = (text, good) => ({ html: '<span class="' + (good ? 'ok' : 'bad') + '">' + esc(text) + '</span>' });
/** Scalar fields of an object, for panels whose shape varies by capability. */
function generic(items, prefer) {
  const keys = prefer.filter((k) => items.some((i) => i[k] !== undefined && typeof i[k] !== 'object'));
  return table(keys, items.map((i) => keys.map((k) => i[k])));
}
async function panel(id, fn) {
  try { $(id).innerHTML = await fn(); $(id).className = ''; }
  catch (e) { $(id).innerHTML = '<span class="bad">' + esc(e.message) + '</span>'; }
}

async function refresh() {
  $('status').textContent = 'updated ' + new Date().toLocaleTimeString();
  const services = list(await api('/api/v1/resources/service').catch(() => ({ items: [] })));
  await Promise.all([
    panel('services', async () => table(['name', 'tier', 'owner', 'on-call', 'sla', 'dependencies'], services.map((m) => [
      m.metadata.name, m.spec.tier, m.spec.owner, m.spec.oncall, m.spec.sla,
      (m.spec.dependencies || []).map((d) => d.service + ' (' + d.kind + ')').join(', ')]))),
    panel('rollouts', async () => {
      const rows = [];
      for (const m of services) {
        const st = await api('/api/v1/rollouts/' + encodeURIComponent(m.metadata.name) + '/status').catch(() => null);
        if (!st || !st.run) continue;
        const r = st.run;
        const traffic = (st.traffic || []).map((t) => t.version + ' ' + t.weightPercent + '%').join(' / ');
        const good = !/rolledBack|failed|aborted/i.test(r.phase);
        rows.push([r.service, r.environment, (r.fromVersion || '-') + ' → ' + r.toVersion, cls(r.phase, good),
          r.step ? (r.step.index + 1) + '. ' + r.step.label : '-', traffic]);
      }
      return table(['service', 'environment', 'release', 'phase', 'step', 'traffic'], rows);
    }),
    panel('slos', async () => {
      const items = list(await api('/api/v1/slo/status'));
      return table(['slo', 'service', 'sli', 'target', 'budget remaining', 'firing alerts'], items.map((s) => {
        const st = s.status || {};
        const o = (st.objectives || [])[0] || {};
        const remaining = o.budgetRemaining;
        const alerts = (o.alerts || []).filter((a) => a.firing).map((a) => a.severity + ' ' + a.longWindow).join(', ');
        return [s.name, st.service, o.sli === null || o.sli === undefined ? (s.error || 'no data') : Number(o.sli).toFixed(5), o.target,
          remaining === undefined ? '-' : cls((remaining * 100).toFixed(1) + '%', remaining > 0), alerts ? cls(alerts, false) : '-'];
      }));
    }),
    panel('flags', async () => {
      const envs = list(await api('/api/v1/resources/environment').catch(() => ({ items: [] }))).map((m) => m.metadata.name);
      const rows = [];
      for (const env of envs.length ? envs : ['production']) {
        for (const fl of list(await api('/api/v1/flags?env=' + encodeURIComponent(env)))) rows.push({ environment: env, ...fl });
      }
      return generic(rows, ['key', 'environment', 'type', 'enabled', 'killed', 'state', 'percentage', 'defaultVariant']);
    }),
    panel('changes', async () => generic(list(await api('/api/v1/changes')), ['id', 'service', 'environment', 'type', 'state', 'title', 'riskLevel', 'author'])),
    panel('markers', async () => table(['time', 'service', 'environment', 'event', 'from', 'to'], list(await api('/api/v1/deploy-markers')).slice(-15).reverse().map((m) => [
      new Date(m.atMs).toLocaleString(), m.service, m.environment, m.event, m.fromRevision, m.toRevision]))),
    panel('capacity', async () => {
      const rollouts = list(await api('/api/v1/resources/rollout').catch(() => ({ items: [] })));
      const mb = (b) => (b === null || b === undefined ? '-' : (b / 1048576).toFixed(1));
      let out = '';
      const envs = new Set();
      for (const r of rollouts) {
        const svc = r.spec.service, env = r.spec.environment || 'production';
        envs.add(env);
        const q = '?service=' + encodeURIComponent(svc) + '&environment=' + encodeURIComponent(env);
        const f = await api('/api/v1/capacity/forecast' + q + '&horizon=7d').catch((e) => ({ error: e.message }));
        out += '<h3>' + esc(svc + ' in ' + env) + '</h3>';
        out += f.error ? '<div class="muted">no forecast: ' + esc(f.error) + '</div>' :
          '<div>peak <b>' + esc(f.peak.rps.toFixed(1)) + ' req/s</b> at ' + esc(new Date(f.peak.atMs).toLocaleString()) + ' (' + esc(f.model) + ', backtest MAPE ' +
          esc(f.backtestMape === null ? '-' : (f.backtestMape * 100).toFixed(1) + '%') + '); ' + esc(r.spec.target.replicas) + ' replicas</div>' + forecastChart(f.points, 480, 60);
        const m = await api('/api/v1/capacity/memory' + q).catch(() => ({ revisions: [] }));
        if (m.revisions.length) out += table(['revision', 'runs', 'RSS MB', 'slope MB/min', 'leak'], m.revisions.map((x) => [x.revision, x.live ? 'yes' : 'no',
          x.instances.map((i) => mb(i.lastBytes)).join(', '), mb(x.slopeBytesPerMinute), x.finding ? cls('finding', false) : x.leak ? cls('leaking', false) : cls('no', true)]));
      }
      for (const env of envs) {
        const p = await api('/api/v1/capacity/pools?environment=' + encodeURIComponent(env)).catch(() => ({ databases: [] }));
        if (!p.databases.length) continue;
        out += '<h3>connection pools in ' + esc(env) + '</h3>' + table(['database', 'worst release', 'connections at its peak'], p.databases.map((d) => {
          if (d.error) return [d.database, '-', cls(d.error, false)];
          const worst = d.releases.reduce((a, b) => (b.total > a.total ? b : a), d.releases[0]);
          return [d.database, worst.service, bar(worst.total, d.usable)];
        }));
      }
      const cal = list(await api('/api/v1/calendar').catch(() => ({ entries: [] }))).filter((e) => e.what === 'reservation');
      if (cal.length) out += '<h3>reservations</h3>' + table(['from', 'until', 'name', 'what'], cal.map((e) => [new Date(e.startMs).toLocaleString(), new Date(e.endMs).toLocaleString(), e.name, e.detail]));
      return out || '<span class="muted">no Rollout yet</span>';
    }),
    panel('audit', async () => {
      const v = await api('/api/v1/audit/verify');
      return v.ok ? '<span class="ok">intact</span>: ' + v.events + ' events verified' : '<span class="bad">broken at event ' + esc(v.seq) + '</span>: ' + esc(v.reason);
    }),
  ]);
}
refresh();
setInterval(refresh, 5000);
</script>
</body>
</html>
`;
