// SPDX-License-Identifier: Apache-2.0
// The network on a US map: states from us-atlas (topojson-client turns its
// TopoJSON into GeoJSON), the Albers USA projection and path generator from
// d3-geo, nodes at their coordinates, and flows (node → destination ZIP3)
// coloured by experiment variant, their width by shipments.
import { h, s, num, variantColour, table } from './dom.js';
import * as api from './api.js';

const W = 960, H = 600, MAX_FLOWS = 800;
const NODE_STYLE = {
  dc: { r: 6, fill: '#3b3b98', label: 'distribution center' },
  store: { r: 3, fill: '#5f6368', label: 'store' },
  dropship: { r: 4.5, fill: '#8e44ad', label: 'drop-ship supplier' },
};

let atlas = null;
async function usAtlas() {
  if (!atlas) {
    const r = await fetch('/assets/vendor/states-10m.json');
    if (!r.ok) throw new Error('US map data: ' + r.status);
    atlas = await r.json();
  }
  return atlas;
}

function flowPath(a, b) {
  // a gentle arc, bending to the left of the direction of travel
  const mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2;
  const dx = b[0] - a[0], dy = b[1] - a[1];
  return `M${a[0].toFixed(1)},${a[1].toFixed(1)}Q${(mx - dy * 0.15).toFixed(1)},${(my + dx * 0.15).toFixed(1)} ` +
    `${b[0].toFixed(1)},${b[1].toFixed(1)}`;
}

/**
 * Draws into `container`: the map, a legend and a table of the largest flows.
 * experimentId may be empty (nodes only); variants orders the colours.
 */
export async function renderMap(container, experimentId, variants = []) {
  const [us, net, fl] = await Promise.all([
    usAtlas(), api.network(),
    experimentId ? api.flows(experimentId) : Promise.resolve({ flows: [] })]);
  const { geoAlbersUsa, geoPath } = window.d3;
  const states = window.topojson.feature(us, us.objects.states);
  const projection = geoAlbersUsa().fitExtent([[10, 10], [W - 10, H - 10]], states);
  const path = geoPath(projection);
  const nodes = (net && net.nodes) || [], flows = (fl && fl.flows) || [];
  const at = new Map();
  for (const n of nodes) {
    const p = projection([+n.lon, +n.lat]);
    if (p) at.set(n.id, p);
  }
  const vs = variants.slice();
  for (const f of flows) if (!vs.includes(f.variant)) vs.push(f.variant);
  const maxShip = Math.max(1, ...flows.map(f => +f.shipments || 0));
  const placed = flows.map(f => ({ f, a: at.get(f.node), b: projection([+f.to_lon, +f.to_lat]) }))
    .filter(d => d.a && d.b)
    .sort((p, q) => q.f.shipments - p.f.shipments);
  const drawn = placed.slice(0, MAX_FLOWS); // beyond that the map is a blur

  const svg = s('svg', { class: 'map', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `Map of the network: ${at.size} nodes` + (experimentId ?
      `, ${drawn.length} flows of experiment ${experimentId} coloured by variant` : '') },
  s('g', { class: 'states' }, states.features.map(f =>
    s('path', { class: 'state', d: path(f) }, s('title', {}, f.properties && f.properties.name)))),
  s('path', { class: 'nation', d: path(window.topojson.mesh(us, us.objects.states, (a, b) => a === b)) }),
  s('g', { class: 'flows' }, drawn.slice().reverse().map(({ f, a, b }) =>
    s('path', { class: 'flow', d: flowPath(a, b), stroke: variantColour(vs, f.variant),
      'stroke-width': (0.8 + 5 * Math.sqrt((+f.shipments || 0) / maxShip)).toFixed(2),
      'data-variant': f.variant },
    s('title', {}, `${f.variant}: ${f.node} → ZIP3 ${f.to_zip3}, ${f.shipments} shipments`)))),
  s('g', { class: 'nodes' }, nodes.filter(n => at.has(n.id)).map(n => {
    const st = NODE_STYLE[n.type] || NODE_STYLE.store, [x, y] = at.get(n.id);
    return s('circle', { class: 'node', cx: x.toFixed(1), cy: y.toFixed(1), r: st.r, fill: st.fill,
      'data-type': n.type }, s('title', {}, `${n.id} · ${n.name} (${st.label}, ZIP ${n.zip})`));
  })));

  const legend = h('div', { class: 'legend' },
    Object.values(NODE_STYLE).map(st => h('span', {},
      h('span', { class: 'swatch', style: `background:${st.fill};border-radius:50%` }), st.label)),
    vs.map(v => h('span', {}, h('span', { class: 'swatch', style: `background:${variantColour(vs, v)}` }),
      `flows: ${v}`)));
  const top = drawn.slice(0, 15);
  const details = h('details', {}, h('summary', {}, `The ${top.length} largest flows as a table`),
    table('Largest flows', ['Variant', 'From node', 'To ZIP3', { v: 'Shipments', num: true }],
      top.map(({ f }) => [f.variant, f.node, f.to_zip3, num(+f.shipments)])));
  const missing = nodes.length - at.size;
  container.replaceChildren(legend, svg,
    h('p', { class: 'small' }, `${at.size} nodes on the map` +
      (missing ? ` (${missing} without coordinates in the Albers USA projection)` : '') +
      (experimentId ? `, ${drawn.length === placed.length ? '' : `the ${drawn.length} largest of `}` +
        `${placed.length} flows (node → destination ZIP3).` : '.')),
    experimentId ? details : '');
  return { nodes: at.size, flows: drawn.length };
}
