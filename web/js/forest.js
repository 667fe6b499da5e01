// SPDX-License-Identifier: Apache-2.0
// The forest plot of an experiment report (the report JSON of `ordo analyze
// --format json`): one row per metric and treatment variant, the relative
// lift against control with its confidence interval, grouped into primary
// KPIs, secondary metrics and guardrails — as src/analyze/report_plot.c draws
// it in the HTML report.
import { h, s, isNum, pct, num, pval } from './dom.js';

const GROUPS = ['Primary KPIs', 'Secondary metrics', 'Guardrails'];
const LEFT = 280, WIDTH = 480, ROW = 18, TOP = 30, STUB = 12;

/** 0 primary KPI, 1 secondary, 2 guardrail (primary wins, as in report_plot.c). */
export function metricGroup(report, name) {
  const ex = report.experiment || {};
  if ((ex.primary_kpis || []).includes(name)) return 0;
  if ((ex.guardrails || []).some(g => g.metric === name)) return 2;
  return 1;
}

function drawable(c) {
  return c.available && !c.constant && c.relative_lift && isNum(c.relative_lift.estimate);
}

/** The estimate the report tests: CUPED- or post-stratification-adjusted when used. */
export function primaryEstimate(c) {
  if (c.analysis === 'cuped' && c.cuped && c.cuped.difference) return c.cuped.difference;
  if (c.analysis === 'poststratified' && c.poststratified) return c.poststratified;
  return c.difference || {};
}

function niceStep(span, target) {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / target, mag = Math.pow(10, Math.floor(Math.log10(raw))), r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
}

function decimals(step) {
  let d = 0;
  while (d < 9 && Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) > 1e-9 * 10 ** d) d++;
  return d;
}

/** Symmetric round ticks around 0, never below −100%, ends capped at ±500%. */
function axis(rows) {
  let lim = 0;
  for (const { c } of rows) {
    const r = c.relative_lift;
    if (isNum(r.ci_low)) lim = Math.max(lim, Math.min(Math.abs(Math.max(r.ci_low, -1)), 5));
    if (isNum(r.ci_high)) lim = Math.max(lim, Math.min(Math.abs(r.ci_high), 5));
  }
  if (!(lim > 0)) lim = 0.1;
  const step = niceStep(lim + Math.min(lim, 1), 5);
  const xmax = Math.ceil(lim / step - 1e-9) * step;
  return { step, xmax, xmin: Math.max(-1, -xmax), x(v) { return LEFT + (v - this.xmin) / (this.xmax - this.xmin) * WIDTH; } };
}

// The adjusted p that judges a row, as the report's "result": a primary
// KPI's among the primary KPIs (the verdict's family), else across metrics.
function adjustedP(c) {
  return isNum(c.p_holm_kpis) ? c.p_holm_kpis : c.p_holm;
}

function rowColour(m, c, alpha) {
  const p = adjustedP(c), sig = isNum(p) && p < alpha;
  if (m.good === 'none' || !sig) return '#777';
  const est = primaryEstimate(c).estimate;
  const better = m.good === 'higher' ? est > 0 : est < 0;
  return better ? '#2a7a3a' : '#c44e52';
}

function ticks(ax, y0, y1) {
  const out = [], dec = decimals(100 * ax.step);
  for (let t = Math.ceil(ax.xmin / ax.step - 1e-9) * ax.step; t <= ax.xmax + 1e-9 * ax.step; t += ax.step) {
    const x = ax.x(t), zero = Math.abs(t) < ax.step * 1e-6;
    out.push(s('line', { x1: x, y1: y0, x2: x, y2: y1, stroke: zero ? '#888' : '#eee',
      'stroke-dasharray': zero ? '3,3' : null }));
    const label = zero ? '0%' : (t < 0 ? '−' : '+') + Math.abs(100 * t).toFixed(dec) + '%';
    out.push(s('text', { x, y: y1 + 14, 'text-anchor': 'middle' }, label));
  }
  return out;
}

function row(report, ax, m, c, y, multi) {
  const alpha = (report.experiment && report.experiment.alpha) || 0.05;
  const col = rowColour(m, c, alpha), r = c.relative_lift, est = primaryEstimate(c);
  const lo = r.ci_low, hi = r.ci_high;
  const loOut = !(lo >= ax.xmin), hiOut = !(hi <= ax.xmax);
  let xl = ax.x(loOut ? ax.xmin : lo), xh = ax.x(hiOut ? ax.xmax : hi);
  // an interval wholly beyond one edge: a dashed stub inside that edge (else
  // its line would run outside the plot, over the labels), as report_plot.c
  const beyond = lo > ax.xmax || hi < ax.xmin;
  if (lo > ax.xmax) xl = xh - STUB;
  else if (hi < ax.xmin) xh = xl + STUB;
  const xp = ax.x(Math.max(ax.xmin, Math.min(ax.xmax, r.estimate)));
  const label = (metricGroup(report, m.name) === 0 ? '★ ' : '') + (m.label || m.name) +
    (multi ? ` (${c.variant})` : '');
  const lb = lo < -1 ? '≤−100%' : pct(lo);
  const summary = `${pct(r.estimate)} [${lb}, ${pct(hi)}] · ${num(est.estimate)}${m.unit ? ' ' + m.unit : ''}`;
  const verdict = c.result || (col === '#777' ? 'not significant' : '');
  return s('g', { class: 'forest-row', 'data-metric': m.name, 'data-variant': c.variant },
    s('title', {}, `${m.label || m.name}, ${c.variant} vs control: lift ${summary}; ` +
      `${verdict}, p(Holm) ${pval(adjustedP(c))}`),
    s('text', { x: LEFT - 10, y: y + 4, 'text-anchor': 'end' }, label),
    s('line', { class: 'ci', x1: xl, y1: y, x2: xh, y2: y, stroke: col, 'stroke-width': 2,
      'stroke-dasharray': beyond ? '4,2' : null }),
    s('circle', { class: 'estimate', cx: xp, cy: y, r: 4, fill: col }),
    hiOut ? s('polygon', { points: `${xh},${y - 5} ${xh + 8},${y} ${xh},${y + 5}`, fill: col }) : null,
    loOut ? s('polygon', { points: `${xl},${y - 5} ${xl - 8},${y} ${xl},${y + 5}`, fill: col }) : null,
    s('text', { x: LEFT + WIDTH + 14, y: y + 4 }, summary));
}

/** The plot as a <figure>; metrics that cannot be drawn are named below it. */
export function forestPlot(report) {
  const metrics = report.metrics || [];
  const variants = new Set();
  const groups = [[], [], []], notDrawn = [], constant = [];
  for (const m of metrics) {
    for (const c of m.comparisons || []) {
      variants.add(c.variant);
      if (drawable(c)) groups[metricGroup(report, m.name)].push({ m, c });
      else if (c.constant) constant.push(m);
      else notDrawn.push({ m, c });
    }
  }
  const rows = groups.flat();
  const heads = groups.filter(g => g.length).length;
  const height = TOP + ROW * (rows.length + heads) + 50;
  const ax = axis(rows);
  const control = (report.experiment && report.experiment.control) || 'control';
  const alpha = (report.experiment && report.experiment.alpha) || 0.05;
  const svg = s('svg', { class: 'forest', viewBox: `0 0 ${LEFT + WIDTH + 330} ${height}`, role: 'img',
    'aria-label': `Forest plot: relative lift against ${control} for ${rows.length} metric rows` },
  s('text', { x: ax.x(0), y: 14, 'text-anchor': 'middle' },
    `relative lift vs ${control} (${Math.round(100 * (1 - alpha))}% CI) · right: lift [CI] · absolute difference`),
  ticks(ax, TOP - 8, height - 44));
  let y = TOP;
  groups.forEach((g, gi) => {
    if (!g.length) return;
    svg.append(s('text', { class: 'group', x: 8, y: y + ROW / 2 + 4, 'font-weight': 'bold' }, GROUPS[gi]));
    y += ROW;
    for (const { m, c } of g) {
      svg.append(row(report, ax, m, c, y + ROW / 2, variants.size > 1));
      y += ROW;
    }
  });
  const fig = h('figure', { id: 'forest' }, svg);
  if (!rows.length) fig.prepend(h('p', {}, 'No metric can be compared yet.'));
  if (notDrawn.length) {
    const seen = new Set();
    fig.append(h('p', { class: 'small' }, 'Cannot be computed yet: ',
      notDrawn.filter(({ m }) => !seen.has(m.name) && seen.add(m.name)).map(({ m, c }, i) =>
        [i ? '; ' : '', (metricGroup(report, m.name) === 0 ? '★ ' : '') + (m.label || m.name),
          c.reason ? ` (${c.reason})` : ''])));
  }
  if (constant.length)
    fig.append(h('p', { class: 'small' }, 'Constant in every order, nothing to compare: ',
      [...new Set(constant.map(m => m.label || m.name))].join(', ')));
  fig.append(h('figcaption', { class: 'small' },
    '★ primary KPI. Green: significantly better, red: significantly worse (Holm-adjusted p < α), grey: not significant.'));
  return fig;
}
