// SPDX-License-Identifier: Apache-2.0
// Cumulative metrics per variant over the days of an experiment (the report
// JSON's "timeseries"): one small line chart per metric that has values.
import { h, s, isNum, num, variantColour } from './dom.js';

const W = 380, H = 190, L = 56, R = 12, T = 12, B = 34;

function extent(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (isNum(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo === hi) { lo -= Math.abs(lo) * 0.05 || 1; hi += Math.abs(hi) * 0.05 || 1; }
  return [lo, hi];
}

function chart(ts, label, unit, variants) {
  const days = ts.days || [];
  const series = Object.entries(ts.cumulative || {});
  const [lo, hi] = extent(series.flatMap(([, v]) => v));
  const x = i => L + (days.length > 1 ? i / (days.length - 1) : 0.5) * (W - L - R);
  const y = v => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const svg = s('svg', { class: 'cumulative', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
    'aria-label': `${label}, cumulative by day, per variant` });
  for (const v of [lo, (lo + hi) / 2, hi]) {
    svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#eee' }),
      s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, num(v, 3)));
  }
  const first = days[0] || '', last = days[days.length - 1] || '';
  svg.append(s('text', { x: L, y: H - 12 }, first.slice(5)),
    s('text', { x: W - R, y: H - 12, 'text-anchor': 'end' }, last.slice(5)));
  for (const [variant, vals] of series) {
    const col = variantColour(variants, variant);
    let d = '';
    vals.forEach((v, i) => {
      if (!isNum(v)) return;
      d += (d && isNum(vals[i - 1]) ? 'L' : 'M') + x(i).toFixed(1) + ',' + y(v).toFixed(1);
    });
    const g = s('g', { class: 'series', 'data-variant': variant },
      s('path', { d, fill: 'none', stroke: col, 'stroke-width': 2 }));
    vals.forEach((v, i) => {
      if (isNum(v))
        g.append(s('circle', { cx: x(i), cy: y(v), r: 2.5, fill: col },
          s('title', {}, `${variant}, ${days[i]}: ${num(v)}${unit ? ' ' + unit : ''}`)));
    });
    svg.append(g);
  }
  return h('figure', {}, h('figcaption', {}, label + (unit ? ` (${unit})` : '')), svg);
}

export function cumulativeCharts(report, variants) {
  const byName = Object.fromEntries((report.metrics || []).map(m => [m.name, m]));
  const shown = [], empty = [];
  for (const ts of report.timeseries || []) {
    const m = byName[ts.metric] || {};
    const label = m.label || ts.metric;
    const any = Object.values(ts.cumulative || {}).some(v => v.some(isNum));
    if (any) shown.push(chart(ts, label, m.unit, variants));
    else empty.push(label);
  }
  const legend = h('div', { class: 'legend' }, variants.map(v =>
    h('span', {}, h('span', { class: 'swatch', style: `background:${variantColour(variants, v)}` }), v)));
  return h('div', { id: 'cumulative' }, legend, h('div', { class: 'charts' }, shown),
    empty.length ? h('p', { class: 'small' }, 'No values yet: ' + empty.join(', ') + '.') : null);
}
