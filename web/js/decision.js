// SPDX-License-Identifier: Apache-2.0
// Decision lookup by order id: the stored trace (`ordo log show --json`): the
// order, its experiment arm, the plan with its costs, and every candidate the
// engine weighed with why it was chosen, outscored or excluded.
import { h, num, money, table, announce } from './dom.js';
import * as api from './api.js';

/** Why a candidate did or did not make the plan, in words. */
export function explanation(c) {
  if (c.verdict === 'chosen') return 'chosen: part of the plan';
  if (c.verdict === 'excluded')
    return `excluded by ${c.rule || 'a rule'}` + (c.detail ? `: ${c.detail}` : '');
  if (c.verdict === 'outscored')
    return `outscored by the ${c.by || 'chosen plan'}` +
      (c.lost_on ? ` on ${c.lost_on}` + (c.gap !== undefined ? ` (gap ${num(c.gap)})` : '') : '');
  return c.verdict || '';
}

// a candidate names order lines by index: show their SKUs
const lines = (ls, order) => (ls || []).map(l => {
  const sku = l.sku || (order && order.lines && order.lines[l.line] || {}).sku;
  return sku ? `${sku} × ${l.quantity}` : `line ${l.line} × ${l.quantity}`;
}).join(', ');
const score = c => c.score_vector ? '[' + c.score_vector.map(v => num(v)).join(', ') + ']' : num(c.score);

function candidates(explain, order) {
  const cs = (explain && explain.candidates) || [];
  if (!cs.length)
    return h('p', { class: 'small' }, 'No candidates were recorded for this decision (it was made without explain).');
  const rows = cs.map(c => {
    const f = c.features || {};
    const cls = c.verdict === 'chosen' ? 'ok' : c.verdict === 'excluded' ? 'bad' : '';
    return [h('strong', {}, c.node), c.service || '', lines(c.lines, order), { v: f.zone ?? '', num: true },
      { v: num(f.miles), num: true }, { v: money(f.landed_cost), num: true },
      { v: num(f.on_time_prob), num: true }, { v: num(f.return_risk), num: true },
      { v: score(c), num: true }, { v: explanation(c), cls }];
  });
  return h('div', {},
    h('p', {}, `${explain.evaluated ?? cs.length} options evaluated; ${cs.length} candidates:`),
    table('Candidates', ['Node', 'Service', 'Lines', 'Zone', 'Miles', 'Landed cost', 'On-time prob.',
      'Return risk', 'Score', 'Explanation'], rows, { id: 'candidates' }),
    (explain.alternatives || []).length ? [h('h3', {}, 'Whole plans compared'),
      table('Alternative plans', ['Shipments', 'Score', 'Explanation'],
        explain.alternatives.map(a => [a.shipments.map(sh => `${sh.node}: ${lines(sh.lines, order)}`).join(' + '),
          { v: score(a), num: true }, explanation(a)]), { id: 'alternatives' })] : null);
}

function shipments(plan) {
  return table('Shipments', ['Node', 'Type', 'Service', 'Lines', 'Zone', 'Miles', 'Cost', 'ETA p50 / p90', 'On-time prob.'],
    (plan.shipments || []).map(sh => [h('strong', {}, sh.node), sh.node_type || '', sh.service || '', lines(sh.lines),
      { v: sh.zone ?? '', num: true }, { v: num(sh.miles), num: true },
      { v: money(sh.cost && sh.cost.total), num: true },
      sh.eta ? `${sh.eta.p50} / ${sh.eta.p90}` : '', { v: num(sh.on_time_prob), num: true }]),
    { id: 'shipments' });
}

function decisionRecord(r) {
  const plan = r.plan || {}, o = r.order || {}, t = plan.totals || {};
  return h('section', { 'aria-label': `Decision for ${r.order_id}` },
    h('h2', {}, `Decision ${r.timestamp || ''}`),
    h('div', { class: 'panel' },
      h('p', {}, h('strong', {}, 'Order: '), `${r.order_id} to ZIP ${(o.ship_to || {}).zip || '?'}, ` +
        `${o.service_level || ''} ${o.channel || ''}; ${lines(o.lines)}`),
      h('p', {}, h('strong', {}, 'Policy: '), `${(r.policy || {}).name} (version ${(r.policy || {}).version})`,
        r.experiment ? [' · ', h('strong', {}, 'Experiment: '),
          h('a', { href: `#/experiments/${encodeURIComponent(r.experiment)}` }, r.experiment),
          `, variant ${r.variant || '?'}`] : ' · not in an experiment'),
      h('p', {}, h('strong', {}, 'Plan: '), `${plan.status || '?'}${plan.fallback || r.fallback ? ' (FALLBACK)' : ''}, ` +
        `strategy ${plan.strategy || '?'}, ${t.shipments ?? (plan.shipments || []).length} shipment(s), ` +
        `total ${money(t.cost && t.cost.total)}, on-time prob. ${num(t.on_time_prob)}, ` +
        `promise ${plan.promise_date || '?'}`)),
    h('h3', {}, 'Shipments'), shipments(plan),
    h('h3', {}, 'Every candidate, explained'), candidates(plan.explain, o));
}

function shadowRecord(r) {
  const plan = r.plan || {}, t = plan.totals || {};
  return h('section', {}, h('h2', {}, `Shadow evaluation: ${(r.policy || {}).name || '?'}`),
    h('p', {}, `Not acted on. Plan ${plan.status || '?'}: ${(plan.shipments || []).map(sh => sh.node).join(' + ') || 'none'}, ` +
      `total ${money(t.cost && t.cost.total)}.`));
}

export async function decisionPage(main, orderId) {
  const input = h('input', { id: 'order-id', name: 'order', required: true, value: orderId || '', spellcheck: 'false' });
  const out = h('div', { id: 'decision' });
  const form = h('form', { id: 'decision-form', class: 'controls', role: 'search',
    onsubmit: e => {
      e.preventDefault();
      location.hash = '#/decisions/' + encodeURIComponent(input.value.trim());
    } },
  h('label', { for: 'order-id' }, 'Order id'), input, h('button', { type: 'submit' }, 'Look up'));
  main.replaceChildren(h('h1', {}, 'Decision lookup'), form, out);
  if (!orderId) {
    input.focus();
    return;
  }
  out.replaceChildren(h('p', {}, 'Loading…'));
  try {
    const records = await api.decision(orderId);
    if (!records.length) throw new Error('no decision recorded for this order');
    out.replaceChildren(...records.map(r => (r.shadow ? shadowRecord : decisionRecord)(r)));
    announce(`Decision for ${orderId} loaded`);
  } catch (err) {
    out.replaceChildren(h('p', { class: 'error', role: 'alert' }, `${orderId}: ${err.message}`));
  }
}
