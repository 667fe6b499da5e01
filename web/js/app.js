// SPDX-License-Identifier: Apache-2.0
// The dashboard's entry point: a hash router (#/experiments, #/experiments/ID,
// #/decisions/ORDER, #/network), so the server serves only / and /assets/.
import { h, announce } from './dom.js';
import * as api from './api.js';
import { listPage, experimentPage } from './experiments.js';
import { decisionPage } from './decision.js';
import { renderMap } from './map.js';
import { modelsPage } from './models.js';

async function networkPage(main) {
  const select = h('select', { id: 'flows-experiment' }, h('option', { value: '' }, '(nodes only)'));
  const box = h('div', { id: 'map' }, h('p', {}, 'Loading the map…'));
  main.replaceChildren(h('h1', {}, 'Network'),
    h('p', { class: 'controls' }, h('label', { for: 'flows-experiment' }, 'Flows of experiment'), select), box);
  const list = await api.experiments().catch(() => []);
  const variants = {};
  for (const e of list) {
    const ex = e.experiment || {};
    variants[ex.id] = (ex.variants || []).map(v => v.key);
    select.append(h('option', { value: ex.id }, ex.id));
  }
  if (list.length) select.value = (list[0].experiment || {}).id;
  const draw = () => renderMap(box, select.value, variants[select.value] || [])
    .catch(err => box.replaceChildren(h('p', { class: 'error' }, 'The map cannot be drawn: ' + err.message)));
  select.addEventListener('change', draw);
  await draw();
}

const routes = [
  [/^#?\/?$/, main => listPage(main), 'experiments'],
  [/^#\/experiments\/?$/, main => listPage(main), 'experiments'],
  [/^#\/experiments\/(.+)$/, (main, id) => experimentPage(main, id), 'experiments'],
  [/^#\/decisions(?:\/(.*))?$/, (main, id) => decisionPage(main, id), 'decisions'],
  [/^#\/network\/?$/, main => networkPage(main), 'network'],
  [/^#\/models\/?$/, main => modelsPage(main), 'models'],
];

let current = 0; // the latest navigation: a slower, older page draws into a detached view

async function route(event) {
  const hash = location.hash;
  if (hash && !hash.startsWith('#/')) return; // an in-page anchor (the skip link)
  const main = document.getElementById('main');
  const gen = ++current;
  delete document.body.dataset.ready; // set again once the page has drawn
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  const found = routes.find(([re]) => re.test(hash));
  if (!found) {
    view.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/experiments' }, 'Experiments')));
    return;
  }
  const [re, page, nav] = found, m = re.exec(hash);
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.body.dataset.page = nav;
  if (event) main.focus(); // a navigation: screen readers start at the new page
  try {
    await page(view, m[1] === undefined ? undefined : decodeURIComponent(m[1]));
  } catch (err) {
    view.replaceChildren(h('h1', {}, 'Error'), h('p', { class: 'error', role: 'alert' }, err.message));
  }
  if (gen === current) document.body.dataset.ready = hash || '#/';
}

function tokenForm() {
  const form = document.getElementById('token-form'), input = document.getElementById('token');
  const state = document.getElementById('token-state');
  const show = () => { state.textContent = api.token() ? 'token set for this tab' : 'no token: read only'; };
  form.addEventListener('submit', e => {
    e.preventDefault();
    api.setToken(input.value.trim());
    input.value = '';
    show();
    announce(api.token() ? 'Token saved for this tab' : 'Token cleared');
    route(null);
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    api.setToken('');
    show();
    announce('Token forgotten');
    route(null);
  });
  show();
}

tokenForm();
window.addEventListener('hashchange', route);
route(null);
