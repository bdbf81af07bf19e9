// The streamll dashboard: a page per hash route (#/, #/execution/ID,
// #/event/ID, #/types, #/sql, #/charts, #/compare), each drawn from the
// JSON API. Every string from the store reaches the page as a text node or
// an attribute value (never as HTML), so event content cannot run as code.
'use strict';

const view = document.getElementById('view');
const PAGE = 50;            // executions per page
const EVENTS_PAGE = 2000;   // events of one execution per request
const SPANS_PAGE = 500;     // waterfall rows drawn at a time

// ---- DOM and formatting helpers -------------------------------------------

// h('a', {href: '#/', class: 'x', onclick: f}, 'text', child...): an element.
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function show(...nodes) { view.replaceChildren(...nodes); }
function failure(err) { return h('div', {class: 'message'}, String(err && err.message || err)); }

function ms(value) {
  if (value === null || value === undefined) return '';
  if (value < 1) return `${(value * 1000).toFixed(0)}µs`;
  if (value < 1000) return `${value.toFixed(value < 10 ? 2 : 1)}ms`;
  if (value < 60000) return `${(value / 1000).toFixed(2)}s`;
  return `${(value / 60000).toFixed(1)}min`;
}

// "2026-12-03T11:22:42.071919Z" -> "2026-12-03 11:22:42.071919" (UTC, as stored).
function when(iso) { return iso ? iso.replace('T', ' ').replace('Z', '') : ''; }

// RFC 3339 (UTC, optional fraction) -> ns since the epoch, as a BigInt.
function isoToNs(iso) {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(iso);
  const fraction = ((m && m[2]) || '').padEnd(9, '0').slice(0, 9);
  return BigInt(Date.parse((m ? m[1] : iso) + 'Z')) * 1000000n + BigInt(fraction);
}
function nsToIso(ns) {
  const ms = ns / 1000000n;
  const rest = (ns % 1000000000n).toString().padStart(9, '0');
  return new Date(Number(ms)).toISOString().replace(/\.\d+Z$/, `.${rest}Z`);
}

function sqlString(text) { return `'${String(text).replace(/'/g, "''")}'`; }
function pretty(value) { return JSON.stringify(value, null, 2); }

function tokenText(tokens) {
  if (!tokens) return '';
  if (tokens.total_tokens !== undefined) return String(tokens.total_tokens);
  return String((tokens.prompt_tokens || 0) + (tokens.completion_tokens || 0));
}

async function api(path) {
  const response = await fetch(path, {credentials: 'same-origin'});
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  if (!response.ok) throw new Error(body.error || `${path}: HTTP ${response.status}`);
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

function copyButton(label, hash) {
  const url = `${location.origin}${location.pathname}${hash}`;
  return h('button', {title: url, onclick: async (e) => {
    e.stopPropagation();
    try { await navigator.clipboard.writeText(url); e.target.textContent = 'copied'; } catch (err) { prompt('Copy this link', url); }
  }}, label);
}

// ---- live updates (server-sent events) -------------------------------------

// One EventSource for the page; the current view subscribes with onEvent.
const live = {
  source: null,
  listener: null,
  toggle: document.getElementById('live'),
  state: document.getElementById('live-state'),
  start() {
    if (this.source || !this.toggle.checked) return;
    this.source = new EventSource('/api/live');
    this.source.onopen = () => { this.state.textContent = '●'; this.state.className = 'on'; };
    this.source.onerror = () => { this.state.textContent = 'reconnecting'; this.state.className = ''; };
    this.source.onmessage = (m) => { if (this.listener) this.listener(JSON.parse(m.data)); };
    this.source.addEventListener('failure', (m) => { this.state.textContent = JSON.parse(m.data).error; });
  },
  stop() {
    if (this.source) this.source.close();
    this.source = null;
    this.state.textContent = 'paused';
    this.state.className = '';
  },
};
live.toggle.addEventListener('change', () => {
  if (live.toggle.checked) { live.start(); route(); } else { live.stop(); }
});

// Calls fn at most once per `wait` ms while events keep coming.
function throttled(fn, wait) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; fn(); }, wait);
  };
}

// ---- executions -------------------------------------------------------------

function localInput(iso) {
  if (!iso) return '';
  const d = new Date(Number(isoToNs(iso) / 1000000n));
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

async function executionsPage(params, isCurrent) {
  const offset = Number(params.get('offset') || 0);
  const filters = {};
  for (const k of ['since', 'until', 'errors', 'type', 'module', 'q']) if (params.get(k)) filters[k] = params.get(k);

  const field = (name, label, value, type = 'text') =>
    h('label', {}, label, h('input', {type, name, value: value || '', step: type === 'datetime-local' ? 1 : null}));
  const form = h('form', {class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const next = {};
    for (const k of ['type', 'module', 'q']) next[k] = f.get(k).trim();
    for (const k of ['since', 'until']) next[k] = f.get(k) ? new Date(f.get(k)).toISOString() : '';
    next.errors = f.get('errors') ? '1' : '';
    location.hash = '#/' + query(next);
  }},
    field('since', 'started from', localInput(filters.since), 'datetime-local'),
    field('until', 'started before', localInput(filters.until), 'datetime-local'),
    field('type', 'event type (prefix*)', filters.type),
    field('module', 'module', filters.module),
    field('q', 'text', filters.q),
    h('label', {}, 'errors', h('input', {type: 'checkbox', name: 'errors', checked: filters.errors === '1'})),
    h('button', {class: 'primary', type: 'submit'}, 'Filter'),
    h('button', {type: 'button', onclick: () => { location.hash = '#/'; }}, 'Clear'));

  const table = h('table', {id: 'executions'});
  const pager = h('div', {class: 'pager'});
  const selected = new Set();
  const compare = h('button', {disabled: true, onclick: () => {
    const [a, b] = [...selected];
    location.hash = '#/compare' + query({a, b});
  }}, 'Compare 2 selected');
  show(h('h1', {}, 'Executions'), form, table, pager);

  let seen = null;
  async function load() {
    const data = await api('/api/executions' + query({...filters, limit: PAGE, offset}));
    if (!isCurrent()) return;
    const rows = data.executions.map((e) => {
      const pick = h('input', {type: 'checkbox', onchange: (ev) => {
        if (ev.target.checked) selected.add(e.execution_id); else selected.delete(e.execution_id);
        compare.disabled = selected.size !== 2;
      }});
      pick.checked = selected.has(e.execution_id);
      return h('tr', {class: [e.error_count ? 'error' : '', seen && !seen.has(e.execution_id) ? 'new' : ''].join(' '),
                      'data-id': e.execution_id},
        h('td', {}, pick),
        h('td', {class: 'mono'}, when(e.started_at)),
        h('td', {class: 'id'}, h('a', {href: `#/execution/${encodeURIComponent(e.execution_id)}`}, e.execution_id)),
        h('td', {class: 'num'}, ms(e.duration_ms)),
        h('td', {class: 'num'}, e.event_count),
        h('td', {class: 'num'}, e.error_count),
        h('td', {class: 'num', title: e.tokens ? pretty(e.tokens) : null}, tokenText(e.tokens)));
    });
    seen = new Set(data.executions.map((e) => e.execution_id));
    table.replaceChildren(
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'started (UTC)'), h('th', {}, 'execution'),
        h('th', {class: 'num'}, 'duration'), h('th', {class: 'num'}, 'events'), h('th', {class: 'num'}, 'errors'),
        h('th', {class: 'num'}, 'tokens'))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: 7, class: 'muted'}, 'No executions match.'))));
    const page = (o) => { location.hash = '#/' + query({...filters, offset: o || ''}); };
    pager.replaceChildren(
      h('button', {disabled: offset === 0, onclick: () => page(Math.max(0, offset - PAGE))}, '‹ newer'),
      h('span', {class: 'muted', id: 'range'},
        data.total ? `${offset + 1}–${offset + data.executions.length} of ${data.total}` : '0 executions'),
      h('button', {disabled: offset + PAGE >= data.total, onclick: () => page(offset + PAGE)}, 'older ›'),
      compare);
  }
  await load();
  // New executions appear on the first page; later pages stay still to read.
  const reload = throttled(() => { if (isCurrent()) load().catch((e) => show(failure(e))); }, 700);
  return offset === 0 ? reload : null;
}

// ---- one execution ------------------------------------------------------------

async function executionPage(id, params, isCurrent) {
  const target = params.get('event');
  const expanded = new Set(target ? [target] : []);
  let limit = EVENTS_PAGE;
  let spansShown = SPANS_PAGE;
  let selectedSpan = null;
  let data;

  async function fetchData() {
    let d = await api(`/api/executions/${encodeURIComponent(id)}` + query({limit}));
    // A permalink to an event past the first page: load pages until it is in.
    while (target && !d.events.some((e) => e.event_id === target) && d.events.length < d.total && limit < 10000) {
      limit = Math.min(10000, limit * 2);
      d = await api(`/api/executions/${encodeURIComponent(id)}` + query({limit}));
    }
    return d;
  }

  function summary() {
    const e = data.execution;
    const item = (label, value, cls) => h('div', {class: cls}, h('span', {}, label), value);
    return h('div', {class: 'summary'},
      item('started (UTC)', when(e.started_at)), item('duration', ms(e.duration_ms)),
      item('events', String(e.event_count)), item('errors', String(e.error_count), e.error_count ? 'bad' : ''),
      item('spans', String(data.spans.length)),
      h('div', {}, copyButton('copy link', `#/execution/${encodeURIComponent(id)}`)));
  }

  function waterfall() {
    const total = Math.max(1e-6, data.execution.duration_ms);
    const box = h('div', {class: 'waterfall', id: 'waterfall'});
    data.spans.slice(0, spansShown).forEach((s, i) => {
      const left = (s.offset_ms / total) * 100;
      const width = Math.max(0.2, (s.duration_ms / total) * 100);
      const row = h('div', {class: 'span-row' + (selectedSpan === i ? ' selected' : ''), 'data-span': i,
                            'data-status': s.status, onclick: () => { selectedSpan = selectedSpan === i ? null : i; draw(); }},
        h('div', {class: 'span-name', style: `padding-left:${8 + s.depth * 16}px`, title: `${s.module_name} ${s.name}`},
          h('span', {class: 'name'}, s.name), h('span', {class: 'module'}, s.module_name)),
        h('div', {class: 'span-track'},
          h('div', {class: `span-bar ${s.status}`, style: `left:${left.toFixed(3)}%;width:${width.toFixed(3)}%`,
                    title: `${ms(s.duration_ms)} (${s.status})`})),
        h('div', {class: 'span-time'}, ms(s.duration_ms) + (s.status === 'open' ? ' …' : '')));
      box.append(row);
      if (s.error) {
        box.append(h('div', {class: 'span-error'},
          h('strong', {}, s.error.error_type || 'error'), ': ', s.error.error_message || '',
          s.error.traceback ? h('pre', {}, String(s.error.traceback)) : null));
      }
    });
    if (data.spans.length > spansShown) {
      box.append(h('div', {class: 'pager'}, h('button', {onclick: () => { spansShown += SPANS_PAGE; draw(); }},
        `show ${Math.min(SPANS_PAGE, data.spans.length - spansShown)} more spans (${spansShown} of ${data.spans.length})`)));
    }
    if (!data.spans.length) box.append(h('div', {class: 'muted', style: 'padding:8px'}, 'No start/end pairs in this execution.'));
    return box;
  }

  function eventNode(e) {
    const isError = e.event_type === 'error' || e.event_type.endsWith('.error');
    const node = h('div', {class: 'event' + (isError ? ' error' : '') + (e.event_id === target ? ' target' : ''),
                           id: `event-${e.event_id}`, 'data-type': e.event_type});
    const body = () => h('div', {class: 'event-body'},
      h('div', {class: 'toolbar'},
        h('span', {class: 'mono muted'}, `event ${e.event_id} · seq ${e.seq} · ${when(e.timestamp)}`),
        copyButton('copy link', `#/execution/${encodeURIComponent(id)}?event=${encodeURIComponent(e.event_id)}`),
        h('a', {href: `#/event/${encodeURIComponent(e.event_id)}`}, 'event page')),
      h('div', {class: 'muted'}, 'data'), h('pre', {class: 'json'}, pretty(e.data)),
      Object.keys(e.tags || {}).length ? [h('div', {class: 'muted'}, 'tags'), h('pre', {class: 'json'}, pretty(e.tags))] : null);
    const preview = JSON.stringify(e.data);
    const head = h('div', {class: 'event-head', onclick: () => {
      if (expanded.has(e.event_id)) { expanded.delete(e.event_id); node.lastChild.remove(); }
      else { expanded.add(e.event_id); node.append(body()); }
    }},
      h('span', {class: 'mono muted'}, '+' + ms((e.ts_ns - data.execution.first_ts_ns) / 1e6)),
      h('span', {class: 'type'}, e.event_type),
      h('span', {class: 'muted'}, [e.module_name, e.operation].filter(Boolean).join(' · ')),
      h('span', {class: 'mono muted', style: 'overflow:hidden;white-space:nowrap;text-overflow:ellipsis'},
        preview.length > 160 ? preview.slice(0, 160) + '…' : preview),
      h('span', {}, ''));
    node.append(head);
    if (expanded.has(e.event_id)) node.append(body());
    return node;
  }

  function events() {
    const box = h('div', {class: 'events', id: 'events'});
    let current;
    const inSpan = (span) => {
      for (let s = span; s !== null && s !== undefined && s >= 0; s = data.spans[s].parent) if (s === selectedSpan) return true;
      return false;
    };
    for (const e of data.events) {
      if (selectedSpan !== null && !inSpan(e.span)) continue;
      if (e.span !== current) {
        current = e.span;
        const s = data.spans[e.span];
        box.append(h('div', {class: 'span-label'}, s ? `${s.name} · ${s.module_name}` : '(outside every span)'));
      }
      box.append(eventNode(e));
    }
    const rest = data.total - data.events.length;
    if (rest > 0) {
      box.append(h('div', {class: 'pager'}, h('button', {onclick: async () => {
        limit = Math.min(10000, limit + EVENTS_PAGE);
        data = await api(`/api/executions/${encodeURIComponent(id)}` + query({limit}));
        draw();
      }}, limit >= 10000 ? `${rest} more events: use the SQL console` : `load more (${data.events.length} of ${data.total} events shown)`)));
    }
    return box;
  }

  function draw() {
    const types = Object.entries(data.types).sort((a, b) => b[1] - a[1]);
    show(h('h1', {}, 'Execution ', h('span', {class: 'mono'}, id)), summary(),
      h('div', {}, types.map(([t, n]) => h('span', {class: 'pill'}, `${t} × ${n}`))),
      h('h2', {}, 'Spans'), waterfall(),
      h('h2', {}, selectedSpan === null ? 'Events' : `Events of ${data.spans[selectedSpan].name}`), events());
  }

  data = await fetchData();
  if (!isCurrent()) return null;
  draw();
  if (target) {
    const node = document.getElementById(`event-${target}`);
    if (node) node.scrollIntoView({block: 'center'});
  }
  // A running execution grows in place: refetch what is shown when its events arrive.
  const reload = throttled(async () => {
    try {
      const d = await api(`/api/executions/${encodeURIComponent(id)}` + query({limit}));
      if (isCurrent()) { data = d; draw(); }
    } catch (e) { if (isCurrent()) show(failure(e)); }
  }, 500);
  return (event) => { if (event.execution_id === id) reload(); };
}

// ---- one event ------------------------------------------------------------------

async function eventPage(id, isCurrent) {
  const e = await api(`/api/events/${encodeURIComponent(id)}`);
  if (!isCurrent()) return null;
  const row = (k, v) => h('tr', {}, h('th', {}, k), h('td', {class: 'mono'}, v));
  show(h('h1', {}, 'Event ', h('span', {class: 'mono'}, id)),
    h('table', {id: 'event'}, h('tbody', {},
      row('event_type', e.event_type), row('timestamp', when(e.timestamp)),
      row('execution', h('a', {href: `#/execution/${encodeURIComponent(e.execution_id)}?event=${encodeURIComponent(id)}`}, e.execution_id)),
      row('module', e.module_name), row('method', e.method_name), row('operation', e.operation || ''), row('seq', e.seq))),
    h('div', {class: 'toolbar'}, copyButton('copy link', `#/event/${encodeURIComponent(id)}`)),
    h('h2', {}, 'data'), h('pre', {class: 'json'}, pretty(e.data)),
    h('h2', {}, 'tags'), h('pre', {class: 'json'}, pretty(e.tags)));
  return null;
}

// ---- event types ----------------------------------------------------------------

async function typesPage(isCurrent) {
  const data = await api('/api/event_types');
  if (!isCurrent()) return null;
  const rows = data.event_types.map((t) => h('tr', {},
    h('td', {}, h('a', {href: '#/sql' + query({q: `SELECT ts_ns, execution_id, module_name, data FROM events\nWHERE event_type = ${sqlString(t.event_type)}\nORDER BY ts_ns DESC LIMIT 100`})}, t.event_type)),
    h('td', {class: 'num'}, t.count),
    h('td', {class: 'mono'}, when(t.first_seen)), h('td', {class: 'mono'}, when(t.last_seen)),
    h('td', {}, t.data_keys.map((k) => h('span', {class: 'pill'}, k)), t.data_keys_truncated ? '…' : ''),
    h('td', {}, h('a', {href: '#/' + query({type: t.event_type})}, 'executions'))));
  show(h('h1', {}, 'Event types'),
    h('table', {id: 'types'},
      h('thead', {}, h('tr', {}, h('th', {}, 'event type'), h('th', {class: 'num'}, 'events'), h('th', {}, 'first seen (UTC)'),
        h('th', {}, 'last seen (UTC)'), h('th', {}, 'data keys'), h('th', {}, ''))),
      h('tbody', {}, rows)));
  return null;
}

// ---- SQL console ---------------------------------------------------------------

const DEFAULT_SQL = 'SELECT event_type, count(*) AS events, count(DISTINCT execution_id) AS executions\nFROM events GROUP BY event_type ORDER BY events DESC';

function cellText(v) {
  if (v === null) return h('span', {class: 'muted'}, 'NULL');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function resultTable(result) {
  return h('table', {id: 'results'},
    h('thead', {}, h('tr', {}, result.columns.map((c) => h('th', {}, c)))),
    h('tbody', {}, result.rows.map((r) => h('tr', {}, r.map((v) => h('td', {class: typeof v === 'number' ? 'num' : 'mono'}, cellText(v)))))));
}

async function sqlPage(params, isCurrent) {
  const sql = params.get('q') || DEFAULT_SQL;
  const area = h('textarea', {id: 'sql', spellcheck: 'false'});
  area.value = sql;
  const run = () => { location.hash = '#/sql' + query({q: area.value}); };
  area.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); } });
  const out = h('div', {id: 'sql-output'});
  const download = (format) => h('a', {href: '/api/sql' + query({q: sql, format, download: 1})}, format.toUpperCase());
  show(h('h1', {}, 'SQL'),
    h('p', {class: 'muted'}, 'Read-only SELECT over events, executions and event_types (Ctrl+Enter runs).'),
    area,
    h('div', {class: 'toolbar'}, h('button', {class: 'primary', id: 'run', onclick: run}, 'Run'),
      params.get('q') ? ['download ', download('csv'), ' ', download('json')] : null),
    out);
  if (!params.get('q')) return null;
  out.replaceChildren(h('span', {class: 'muted'}, 'running…'));
  try {
    const result = await api('/api/sql' + query({q: sql}));
    if (!isCurrent()) return null;
    out.replaceChildren(
      h('div', {class: 'muted', id: 'sql-status'}, `${result.rows.length} rows${result.truncated ? ' (cut: download for all)' : ''} in ${ms(result.elapsed_ms)}`),
      resultTable(result));
  } catch (e) {
    if (isCurrent()) out.replaceChildren(failure(e));
  }
  return null;
}

// ---- charts ------------------------------------------------------------------------

const RANGES = {'15m': 900, '1h': 3600, '6h': 21600, '24h': 86400, '7d': 604800, all: 0};
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
const charts = [];

async function sql(text) { return api('/api/sql' + query({q: text})); }

async function chartsPage(params, isCurrent) {
  const range = RANGES[params.get('range')] !== undefined ? params.get('range') : '1h';
  const stats = await api('/api/stats');
  if (!isCurrent()) return null;
  const picker = h('select', {id: 'range', onchange: (e) => { location.hash = '#/charts' + query({range: e.target.value}); }},
    Object.keys(RANGES).map((r) => { const o = h('option', {value: r}, r === 'all' ? 'everything' : `last ${r}`); o.selected = r === range; return o; }));
  const head = h('div', {class: 'toolbar'}, h('h1', {style: 'margin:0'}, 'Charts'), picker,
    h('span', {class: 'muted'}, 'ending at the newest event'));
  if (!stats.events) { show(head, h('p', {class: 'muted'}, 'The store is empty.')); return null; }

  const end = isoToNs(stats.newest) + 1n;
  const oldest = isoToNs(stats.oldest);
  let start = RANGES[range] ? end - BigInt(RANGES[range]) * 1000000000n : oldest;
  if (start < oldest) start = oldest;
  const span = Number(end - start) / 1e9;
  const step = STEPS.find((s) => span / s <= 120) || Math.ceil(span / 120 / 86400) * 86400;
  const stepNs = BigInt(step) * 1000000000n;
  start = (start / stepNs) * stepNs;
  const where = `ts_ns >= ${start} AND ts_ns < ${end}`;
  const listLink = (from, to, extra = {}) => '#/' + query({since: nsToIso(from), until: nsToIso(to), ...extra});

  const box = (id, title, ...extra) => h('div', {class: 'chart'}, h('div', {class: 'toolbar'}, h('strong', {}, title), ...extra), h('canvas', {id}));
  show(head, h('div', {class: 'charts'},
    box('rate', `events/s and errors/s (${step}s buckets)`, h('a', {href: listLink(start, end)}, 'executions in this range')),
    box('types', 'top event types'),
    box('durations', 'duration_seconds p50 / p95 by module · operation')));
  for (const c of charts.splice(0)) c.destroy();
  const common = {animation: false, responsive: true, maintainAspectRatio: false};

  const [rate, types, durations] = await Promise.all([
    sql(`SELECT CAST(ts_ns / ${stepNs} AS TEXT) AS bucket, count(*) AS events,
                sum(event_type = 'error' OR event_type LIKE '%.error') AS errors
         FROM events WHERE ${where} GROUP BY ts_ns / ${stepNs} ORDER BY 1`),
    sql(`SELECT event_type, count(*) FROM events WHERE ${where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12`),
    sql(`WITH d AS (SELECT module_name AS m, coalesce(operation, '') AS o, CAST(data->>'$.duration_seconds' AS REAL) AS v
                    FROM events WHERE ${where} AND (event_type IN ('end', 'error') OR event_type LIKE '%.end' OR event_type LIKE '%.error')
                      AND data->>'$.duration_seconds' IS NOT NULL),
              r AS (SELECT m, o, v, row_number() OVER (PARTITION BY m, o ORDER BY v) AS rn, count(*) OVER (PARTITION BY m, o) AS n FROM d)
         SELECT m, o, n, min(CASE WHEN rn * 100 >= n * 50 THEN v END) AS p50, min(CASE WHEN rn * 100 >= n * 95 THEN v END) AS p95
         FROM r GROUP BY m, o ORDER BY p95 DESC LIMIT 20`),
  ]);
  if (!isCurrent()) return null;

  // Every bucket of the range, empty ones too.
  const counts = new Map(rate.rows.map((r) => [r[0], r]));
  const buckets = [];
  for (let b = start / stepNs; b * stepNs < end; b++) buckets.push(b);
  const label = (b) => when(nsToIso(b * stepNs)).slice(11, 19);
  charts.push(new Chart(document.getElementById('rate'), {
    type: 'bar',
    data: {labels: buckets.map(label), datasets: [
      {label: 'events/s', data: buckets.map((b) => (counts.get(String(b)) || [0, 0])[1] / step), backgroundColor: '#2f6fde'},
      {label: 'errors/s', data: buckets.map((b) => (counts.get(String(b)) || [0, 0, 0])[2] / step), backgroundColor: '#d23c3c'}]},
    options: {...common, onClick: (evt, items) => {
      if (!items.length) return;
      const b = buckets[items[0].index];
      location.hash = listLink(b * stepNs, (b + 1n) * stepNs, items[0].datasetIndex === 1 ? {errors: '1'} : {});
    }},
  }));
  charts.push(new Chart(document.getElementById('types'), {
    type: 'bar',
    data: {labels: types.rows.map((r) => r[0]), datasets: [{label: 'events', data: types.rows.map((r) => r[1]), backgroundColor: '#5b8def'}]},
    options: {...common, indexAxis: 'y', onClick: (evt, items) => {
      if (items.length) location.hash = listLink(start, end, {type: types.rows[items[0].index][0]});
    }},
  }));
  charts.push(new Chart(document.getElementById('durations'), {
    type: 'bar',
    data: {labels: durations.rows.map((r) => r[1] ? `${r[0]} · ${r[1]}` : r[0]), datasets: [
      {label: 'p50 (s)', data: durations.rows.map((r) => r[3]), backgroundColor: '#3a9a5b'},
      {label: 'p95 (s)', data: durations.rows.map((r) => r[4]), backgroundColor: '#e0a030'}]},
    options: {...common, indexAxis: 'y', onClick: (evt, items) => {
      if (items.length) location.hash = listLink(start, end, {module: durations.rows[items[0].index][0]});
    }},
  }));
  return null;
}

// ---- compare two executions ------------------------------------------------------------

async function comparePage(params, isCurrent) {
  const a = params.get('a') || '', b = params.get('b') || '';
  const form = h('form', {class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(form);
    location.hash = '#/compare' + query({a: f.get('a').trim(), b: f.get('b').trim()});
  }},
    h('label', {}, 'execution A', h('input', {type: 'text', name: 'a', value: a, size: 36})),
    h('label', {}, 'execution B', h('input', {type: 'text', name: 'b', value: b, size: 36})),
    h('button', {class: 'primary', type: 'submit'}, 'Compare'));
  show(h('h1', {}, 'Compare two executions'), form,
    h('p', {class: 'muted'}, 'Also in a terminal: streamll diff A B'));
  if (!a || !b) return null;
  const d = await api('/api/compare' + query({a, b}));
  if (!isCurrent()) return null;
  const link = (id) => h('a', {href: `#/execution/${encodeURIComponent(id)}`, class: 'mono'}, id);
  const num = (v) => h('td', {class: 'num'}, v === null ? '—' : v);
  const typeRows = d.types.map((t) => h('tr', {class: t.a !== t.b ? 'changed-row' : ''},
    h('td', {}, t.event_type), num(t.a), num(t.b), h('td', {class: 'num' + (t.a !== t.b ? ' changed' : '')}, t.b - t.a)));
  const spanRows = d.spans.map((s) => h('tr', {},
    h('td', {}, `${s.name} · ${s.module_name}${s.rank ? ` #${s.rank + 1}` : ''}`),
    num(s.a_ms === null ? null : ms(s.a_ms)), num(s.b_ms === null ? null : ms(s.b_ms)),
    h('td', {class: 'num' + (s.a_ms !== null && s.b_ms !== null && Math.abs(s.b_ms - s.a_ms) > 0.05 * Math.max(s.a_ms, s.b_ms) ? ' changed' : '')},
      s.a_ms === null || s.b_ms === null ? '' : (s.b_ms >= s.a_ms ? '+' : '−') + ms(Math.abs(s.b_ms - s.a_ms))),
    h('td', {}, [s.a_status || '—', s.b_status || '—'].join(' / '))));
  const dataRows = d.data.map((x) => h('tr', {},
    h('td', {}, `${x.event_type}${x.rank ? ` #${x.rank + 1}` : ''}`), h('td', {class: 'mono'}, x.path),
    h('td', {class: 'mono changed'}, x.a === undefined ? '—' : JSON.stringify(x.a)),
    h('td', {class: 'mono changed'}, x.b === undefined ? '—' : JSON.stringify(x.b))));
  const head = (...cols) => h('thead', {}, h('tr', {}, cols.map((c) => h('th', {}, c))));
  view.append(
    h('div', {class: 'summary'}, h('div', {}, h('span', {}, 'A'), link(a), ' ', ms(d.a.duration_ms), `, ${d.a.event_count} events, ${d.a.error_count} errors`),
      h('div', {}, h('span', {}, 'B'), link(b), ' ', ms(d.b.duration_ms), `, ${d.b.event_count} events, ${d.b.error_count} errors`)),
    h('h2', {}, 'Event types'), h('table', {class: 'diff', id: 'diff-types'}, head('event type', 'A', 'B', 'B − A'), h('tbody', {}, typeRows)),
    h('h2', {}, 'Spans'), h('table', {class: 'diff', id: 'diff-spans'}, head('span', 'A', 'B', 'B − A', 'status'), h('tbody', {}, spanRows)),
    h('h2', {}, `Data that differ${d.data_truncated ? ' (first ' + d.data.length + ')' : ''}`),
    h('table', {class: 'diff', id: 'diff-data'}, head('event', 'field', 'A', 'B'),
      h('tbody', {}, dataRows.length ? dataRows : h('tr', {}, h('td', {colspan: 4, class: 'muted'}, 'The matched events carry the same data.')))));
  return null;
}

// ---- routing --------------------------------------------------------------------

let generation = 0;

async function route() {
  const mine = ++generation;
  const isCurrent = () => mine === generation;
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, search] = [hash.split('?')[0], hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : ''];
  const params = new URLSearchParams(search);
  const [page, ...rest] = path.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.dataset.nav === (page === '' || page === 'execution' || page === 'event' ? 'executions' : page));
  }
  live.listener = null;
  try {
    let listener = null;
    if (page === '') listener = await executionsPage(params, isCurrent);
    else if (page === 'execution') listener = await executionPage(arg, params, isCurrent);
    else if (page === 'event') listener = await eventPage(arg, isCurrent);
    else if (page === 'types') listener = await typesPage(isCurrent);
    else if (page === 'sql') listener = await sqlPage(params, isCurrent);
    else if (page === 'charts') listener = await chartsPage(params, isCurrent);
    else if (page === 'compare') listener = await comparePage(params, isCurrent);
    else show(failure(`No page '${path}'.`));
    if (isCurrent()) live.listener = listener;
  } catch (e) {
    if (isCurrent()) show(failure(e));
  }
}

async function storeName() {
  try {
    const s = await api('/api/stats');
    document.getElementById('store').textContent = `${s.path} · ${s.events} events · ${s.executions} executions`;
  } catch (e) { /* the page shows errors where they matter */ }
}

window.addEventListener('hashchange', route);
live.start();
storeName();
route();
