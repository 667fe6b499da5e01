// SPDX-License-Identifier: Apache-2.0
// The experiments list and one page per experiment: status, verdict, SRM,
// guardrails, the forest plot, cumulative metrics, the flows on the map, and
// start / pause / kill behind the token.
import { h, isNum, num, pct, pval, table, announce, variantColour } from './dom.js';
import * as api from './api.js';
import { forestPlot } from './forest.js';
import { cumulativeCharts } from './cumulative.js';
import { renderMap } from './map.js';

const VERDICT_TEXT = {
  ship: ['Ship', 'ok'], do_not_ship: ['Do not ship', 'bad'], keep_running: ['Keep running', 'warn'],
};

function verdictBadge(v) {
  if (!v || !v.decision) return h('span', { class: 'small' }, 'no verdict yet');
  const [text, cls] = VERDICT_TEXT[v.decision] || [v.decision.replace(/_/g, ' '), ''];
  return h('span', { class: `badge ${cls}`, title: v.reason || '' },
    text + (v.variant && v.decision !== 'keep_running' ? ` (${v.variant})` : ''));
}

function stateText(st) {
  if (!st) return 'unknown';
  return st.killed ? `${st.state} (killed)` : st.state;
}

export async function listPage(main) {
  main.replaceChildren(h('h1', {}, 'Experiments'), h('p', {}, 'Loading…'));
  const list = await api.experiments();
  if (!list.length) {
    main.replaceChildren(h('h1', {}, 'Experiments'),
      h('p', {}, 'No experiments yet. Create one with ', h('code', {}, 'ordo exp create'), ' or POST /v1/experiments.'));
    return;
  }
  const verdictCells = new Map();
  const rows = list.map(e => {
    const ex = e.experiment || {}, st = e.status || {};
    const cell = h('span', { class: 'small' }, 'loading…');
    verdictCells.set(ex.id, cell);
    return [h('a', { href: `#/experiments/${encodeURIComponent(ex.id)}` }, ex.id),
      h('span', { class: 'badge' }, stateText(st)),
      (ex.variants || []).map(v => `${v.key} (${v.policy})`).join(', '),
      st.started_at || '—', cell];
  });
  main.replaceChildren(h('h1', {}, 'Experiments'),
    table('Experiments', ['Experiment', 'Status', 'Variants (policy)', 'Started', 'Verdict'], rows,
      { id: 'experiments' }));
  announce(`${list.length} experiments`);
  await Promise.all(list.map(async e => {
    const id = (e.experiment || {}).id, cell = verdictCells.get(id);
    try {
      cell.replaceWith(verdictBadge((await api.report(id)).verdict));
    } catch (err) {
      cell.textContent = 'no report: ' + err.message;
    }
  }));
}

function controls(id, st, reload) {
  const msg = h('span', { class: 'small', role: 'status' });
  const haveToken = !!api.token();
  const button = (action, label, cls, enabled) => h('button', {
    type: 'button', class: cls, 'data-action': action, disabled: !haveToken || !enabled,
    onclick: async () => {
      if (action === 'kill' && !window.confirm(`Kill ${id}? Every order goes back to control at once.`)) return;
      msg.textContent = `${label}…`;
      try {
        await api.act(id, action);
        msg.textContent = `${label}: done.`;
        announce(`${id}: ${action} done`);
        await reload();
      } catch (err) {
        msg.className = 'error';
        msg.textContent = `${label} failed: ${err.message}`;
      }
    } }, label);
  const state = st ? st.state : '';
  const ended = st && (st.killed || ['stopped', 'concluded', 'killed'].includes(state));
  return h('div', { class: 'controls', id: 'controls' },
    button('start', 'Start', '', !ended && state !== 'running'),
    button('pause', 'Pause', '', state === 'running'),
    button('kill', 'Kill', 'danger', !ended),
    haveToken ? null : h('span', { class: 'small' }, 'Enter the API token above to start, pause or kill.'),
    msg);
}

function srmPanel(srm) {
  if (!srm || !srm.observed) return h('p', { class: 'small' }, 'Sample ratio: not available.');
  const ok = !srm.mismatch;
  return h('p', { id: 'srm' },
    h('span', { class: `badge ${ok ? 'ok' : 'bad'}` }, ok ? 'SRM: no mismatch' : 'SRM: MISMATCH'), ' ',
    `observed ${srm.observed.join(' / ')} orders, expected ${srm.expected.map(v => num(v)).join(' / ')}; ` +
    `χ² ${num(srm.chi2)}, p ${pval(srm.p_value)} (mismatch below ${srm.threshold}).`);
}

function guardrailTable(report) {
  const defs = (report.experiment && report.experiment.guardrails) || [];
  const margin = g => {
    const def = defs.find(d => d.metric === g.metric) || {};
    const rel = def.relative && isNum(def.margin) ? `${pct(def.margin, 1, false)} of control` : '';
    if (isNum(g.margin)) return num(g.margin) + (rel ? ` (${rel})` : '');
    return rel || (isNum(def.margin) ? num(def.margin) : 'n/a');
  };
  const rows = (report.guardrails || []).map(g => {
    const cls = g.status === 'breached' ? 'bad' : g.status === 'pass' ? 'ok' : 'warn';
    return [g.metric + (g.default ? ' (default)' : ''), g.variant,
      `${g.direction === 'decrease' ? 'must not fall' : 'must not rise'} by ${margin(g)}`,
      { v: g.estimate === undefined ? 'n/a' : `${num(g.estimate)} [${num(g.ci_low)}, ${num(g.ci_high)}]` },
      { v: pval(g.p_noninferiority), num: true },
      { v: h('span', { class: `badge ${cls}` }, g.status || 'n/a'), cls },
      g.reason || ''];
  });
  return table('Guardrails', ['Guardrail', 'Variant', 'Harm', 'Estimate [CI]', 'p (non-inferiority)', 'Status', 'Why'],
    rows, { id: 'guardrails' });
}

function summary(ex, st, report) {
  const v = report && report.verdict;
  const hyp = (ex.hypothesis || {}).text;
  return h('div', { class: 'panel' },
    h('p', { class: 'verdict', id: 'verdict' }, h('strong', {}, 'Verdict: '), verdictBadge(v), ' ',
      v && v.reason ? v.reason : ''),
    (v && v.per_variant || []).length > 1 ? h('ul', {}, v.per_variant.map(p =>
      h('li', {}, `${p.variant}: ${p.decision.replace(/_/g, ' ')} — ${p.reason}`))) : null,
    h('p', {}, h('strong', {}, 'Status: '), h('span', { class: 'badge', id: 'state' }, stateText(st)),
      st && st.started_at ? ` since ${st.started_at}` : '', st && st.stop_reason ? ` — ${st.stop_reason}` : ''),
    hyp ? h('p', {}, h('strong', {}, 'Hypothesis: '), hyp) : null,
    report && report.data ? h('p', { class: 'small' },
      `${report.data.orders_analysed} orders analysed from ${report.data.first || '?'} to ${report.data.last || '?'}` +
      (report.experiment && report.experiment.runtime ? `, day ${num(report.experiment.runtime.days, 2)} of at least ` +
        report.experiment.runtime.required_days : '') + '.') : null,
    (report && report.notes || []).map(n => h('p', { class: 'small' }, n)));
}

export async function experimentPage(main, id) {
  main.replaceChildren(h('h1', {}, `Experiment ${id}`), h('p', {}, 'Loading…'));
  const [shown, report] = await Promise.all([
    api.experiment(id),
    api.report(id).catch(err => ({ error: err }))]);
  const ex = (shown && shown.experiment) || { id }, st = shown && shown.status;
  const variants = (ex.variants || []).map(v => v.key);
  const mapBox = h('div', { id: 'map' }, h('p', {}, 'Loading the map…'));
  const reload = () => experimentPage(main, id);
  const parts = [h('h1', {}, `Experiment ${id}`),
    h('p', { class: 'legend' }, (ex.variants || []).map(v => h('span', {},
      h('span', { class: 'swatch', style: `background:${variantColour(variants, v.key)}` }),
      `${v.key}: ${v.policy} (${pct(v.weight, 0, false)})`))),
    summary(ex, st, report.error ? null : report), controls(id, st, reload)];
  if (report.error) {
    parts.push(h('p', { class: 'error' }, 'The report cannot be computed: ' + report.error.message));
  } else {
    parts.push(h('h2', {}, 'Sample ratio'), srmPanel(report.srm),
      h('h2', {}, 'Guardrails'), guardrailTable(report),
      h('h2', {}, 'Metrics: lift against control'), forestPlot(report),
      h('h2', {}, 'Cumulative metrics per variant'), cumulativeCharts(report, variants));
  }
  parts.push(h('h2', {}, 'Where the orders ship from, per variant'), mapBox);
  main.replaceChildren(...parts);
  try {
    await renderMap(mapBox, id, variants);
  } catch (err) {
    mapBox.replaceChildren(h('p', { class: 'error' }, 'The map cannot be drawn: ' + err.message));
  }
  announce(`Experiment ${id} loaded`);
}
