// SPDX-License-Identifier: Apache-2.0
// #/models: the learned models `ordo serve` decides with (GET /v1/models),
// each one's calibration on the outcomes that arrived after its training
// (the ETA model: the drift check of `ordo model show --data`; the risk
// model: P(return) and P(cancel), kept by the server as outcomes arrive)
// against its bound, the drift alarm with the retrain command, and a reload
// (POST /v1/models/reload, token).
import { h, isNum, announce } from './dom.js';
import * as api from './api.js';

const pp = v => (isNum(v) ? (100 * v).toFixed(2) + ' pp' : 'n/a');

/** A bar of the calibration error against its bound (the bound at 2/3 of the width). */
function errorBar(err, bound) {
  const width = 240, scale = (2 / 3) * width / (bound > 0 ? bound : 0.02);
  const w = Math.min(width, Math.max(0, isNum(err) ? err * scale : 0));
  const over = isNum(err) && err > bound;
  return h('div', { class: 'calib-bar', role: 'img',
    'aria-label': `calibration error ${pp(err)} against the bound ${pp(bound)}` },
  h('span', { class: over ? 'calib-fill over' : 'calib-fill', style: `width:${w}px` }),
  h('span', { class: 'calib-bound', style: `left:${bound * scale}px` }));
}

// One drift check d of a model's probability (what: "on-time probability",
// "P(return)", ...) against its bound; retrain: the suggested command.
function driftTable(d, what, retrain) {
  const rows = [
    ['Predictions scored since training', String(d.predictions)],
    ['Worst decile calibration error', pp(d.calibration_error) + ` (deciles of at least ${d.min_n})`],
    ['Overall calibration error', pp(d.mean_error)],
    ['Brier score', isNum(d.brier) ? d.brier.toFixed(4) : 'n/a'],
    ['Bound', pp(d.bound)],
    ['Checked', d.checked_at || ''],
  ];
  const worst = isNum(d.calibration_error) ? d.calibration_error : d.mean_error;
  return h('div', { class: 'drift', 'data-target': what },
    h('table', { class: 'kv', 'aria-label': `calibration of the ${what}` },
      h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))))),
    errorBar(worst, d.bound),
    d.alarm
      ? h('p', { class: 'drift-alarm', role: 'alert' },
        `Drift alarm: the ${what} left its calibration bound. Retrain: `, h('code', {}, retrain))
      : h('p', { class: 'drift-ok' }, 'Calibrated within its bound.'));
}

function driftPart(m) {
  const d = m.drift;
  if (!d) {
    return h('p', { class: 'drift-none' },
      'No calibration check of this model on live outcomes yet (ordo model show ' + m.version +
      ' --data DIR saves one).');
  }
  return driftTable(d, 'on-time probability', m.suggestion || 'ordo model train --run DATA');
}

// The risk model's drift, kept by the server as outcomes arrive: P(return)
// and P(cancel) from the predictions its decisions logged.
function riskDriftPart(m) {
  const d = m.drift;
  if (!d) return h('p', { class: 'drift-none' }, 'No drift state for this model yet.');
  const retrain = m.suggestion || 'ordo model train --run DATA --kind risk';
  return h('div', {},
    h('h3', {}, 'Return risk, P(return), on live outcomes'), driftTable(d.return, 'P(return)', retrain),
    h('h3', {}, 'Cancellation risk, P(cancel), on live outcomes'), driftTable(d.cancel, 'P(cancel)', retrain));
}

function modelCard(m) {
  return h('section', { class: 'model', 'data-kind': m.kind, 'data-version': m.version },
    h('h2', {}, `${m.kind.toUpperCase()} model ${m.version}`),
    h('p', { class: 'small' }, `hash ${m.hash} · ${m.file} · trained until ${m.trained_until || 'n/a'} on ` +
      (m.kind === 'risk' ? `${m.orders} orders` : `${m.shipments} shipments · ${m.lanes} lanes`) +
      ` · configured as "${m.config}"`),
    m.kind === 'risk' ? riskDriftPart(m) : driftPart(m));
}

export async function modelsPage(main) {
  const list = h('div', { id: 'models' }, h('p', {}, 'Loading…'));
  const state = h('span', { class: 'small', id: 'models-state' });
  const draw = async () => {
    const d = await api.models();
    list.replaceChildren(...(d.models.length ? d.models.map(modelCard)
      : [h('p', {}, 'No learned model: decisions use the published histograms (server.models.eta).')]),
    h('p', { class: 'small' }, `loaded ${d.loaded_at || 'never'} · ${d.reloads} loads, ${d.failures} failed` +
      (d.last_error ? ` · last error: ${d.last_error}` : '')));
  };
  const reload = h('button', { type: 'button', id: 'models-reload', onclick: async () => {
    try {
      await api.reloadModels();
      state.textContent = 'reloaded';
    } catch (e) {
      state.textContent = e.message;
    }
    announce(state.textContent);
    await draw();
  } }, 'Reload models');
  main.replaceChildren(h('h1', {}, 'Models'), h('p', { class: 'controls' }, reload, ' ', state), list);
  await draw();
}
