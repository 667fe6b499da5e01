// SPDX-License-Identifier: Apache-2.0
// Small helpers to build HTML and SVG with text nodes only (no innerHTML), and
// to format numbers the way ordo's reports do.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** h('p', {class: 'x'}, 'text', child...) */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** s('circle', {r: 3}) — an SVG element */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Colours for variants, in the experiment's order (Okabe–Ito, safe for colour blindness). */
export const VARIANT_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export function variantColour(variants, key) {
  const i = variants.indexOf(key);
  return VARIANT_COLOURS[(i < 0 ? variants.length : i) % VARIANT_COLOURS.length];
}

export function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Four significant digits, like the text report. */
export function num(v, digits = 4) {
  if (!isNum(v)) return 'n/a';
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

export function pct(v, decimals = 2, signed = true) {
  if (!isNum(v)) return 'n/a';
  const t = (100 * v).toFixed(decimals) + '%';
  return signed && v > 0 ? '+' + t : t.replace('-', '−');
}

export function pval(p) {
  if (!isNum(p)) return 'n/a';
  return p < 1e-4 ? '<0.0001' : p.toFixed(4);
}

export function money(v) {
  return isNum(v) ? '$' + v.toFixed(2) : 'n/a';
}

/** A table from a header list and rows of cells; a cell may be a Node or {v, cls, num}. */
export function table(caption, head, rows, attrs = {}) {
  const cell = (tag, c, i) => {
    const o = c !== null && typeof c === 'object' && !(c instanceof Node) ? c : { v: c };
    const cls = [o.cls, o.num || (head[i] && head[i].num) ? 'num' : ''].filter(Boolean).join(' ');
    return h(tag, { class: cls || undefined, scope: tag === 'th' ? 'col' : undefined }, o.v);
  };
  return h('table', attrs,
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, head.map((c, i) => cell('th', typeof c === 'object' ? c : { v: c }, i)))),
    h('tbody', {}, rows.map(r => h('tr', {}, r.map((c, i) => cell('td', c, i))))));
}

/** Announce a message to screen readers. */
export function announce(text) {
  const st = document.getElementById('status');
  if (st) st.textContent = text;
}
