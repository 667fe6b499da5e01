// SPDX-License-Identifier: Apache-2.0
// Drives Debian's headless chromium through playwright-core over the
// dashboard of a running `ordo serve` (started by test_dashboard.sh):
//   node dashboard_browser.js --base URL --experiment ID --order ID --token T --out DIR
// Prints one line per check and "N passed, M failed"; exits 1 on a failure.
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '../../web/node_modules/playwright-core'));

const arg = name => {
  const i = process.argv.indexOf('--' + name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
};
const base = arg('base'), expId = arg('experiment'), orderId = arg('order'), token = arg('token');
const out = arg('out');

let passed = 0, failed = 0;
function check(what, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail !== undefined ? ': ' + detail : ''}`);
}

async function open(page, hash) {
  await page.goto(base + '/' + hash);
  await page.waitForFunction(h => document.body.dataset.ready === h, hash, { timeout: 30000 });
}

// axe-core (npm, test only) audits the page as drawn: no serious or critical
// accessibility violation (contrast, names of controls, table headers, ...)
const axePath = path.join(__dirname, '../../web/node_modules/axe-core/axe.min.js');
async function accessible(page, what) {
  if (await page.evaluate(() => typeof window.axe === 'undefined')) await page.addScriptTag({ path: axePath });
  const found = await page.evaluate(async () => (await window.axe.run(document)).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`));
  check(`${what}: no serious accessibility violation (axe)`, found.length === 0, found.slice(0, 4).join('; '));
}

async function experimentsList(page) {
  await open(page, '#/experiments');
  const href = `a[href="#/experiments/${encodeURIComponent(expId)}"]`;
  check('the experiments list names the experiment', await page.locator('#experiments ' + href).count() === 1);
  const row = page.locator('#experiments tbody tr', { has: page.locator(href) });
  check('its status is shown', /running/.test(await row.innerText()), await row.innerText());
  // the verdict arrives from the report after the list draws
  await page.waitForFunction(() => !/loading/.test(document.querySelector('#experiments tbody').innerText),
    null, { timeout: 30000 }).catch(() => {});
  const verdict = await row.locator('td').nth(4).innerText();
  check('its verdict is shown', /ship|keep running/i.test(verdict), verdict);
  await accessible(page, 'experiments list');
}

async function forestPlot(page) {
  const rows = page.locator('svg.forest g.forest-row');
  const n = await rows.count();
  check('the forest plot draws rows', n >= 5, `${n} rows`);
  let good = 0;
  for (let i = 0; i < n; i++) {
    const r = rows.nth(i);
    const line = await r.locator('line.ci').evaluate(l => [+l.getAttribute('x1'), +l.getAttribute('x2')]);
    const dot = await r.locator('circle.estimate').evaluate(c => +c.getAttribute('cx'));
    if (line[0] < line[1] && dot >= line[0] - 0.5 && dot <= line[1] + 0.5) good++;
  }
  check('every row has an interval around its estimate', n > 0 && good === n, `${good} of ${n}`);
  const groups = await page.locator('svg.forest text.group').allTextContents();
  check('rows are grouped into KPIs, secondary metrics and guardrails',
    ['Primary KPIs', 'Secondary metrics', 'Guardrails'].every(g => groups.includes(g)), groups.join(', '));
  const box = await page.locator('svg.forest').boundingBox();
  check('the forest plot has a size on the page', box && box.width > 300 && box.height > 100,
    box && `${Math.round(box.width)}x${Math.round(box.height)}`);
}

async function experimentPage(page) {
  await open(page, `#/experiments/${encodeURIComponent(expId)}`);
  check('the verdict is shown', /Verdict:\s*\S/.test(await page.locator('#verdict').innerText()),
    await page.locator('#verdict').innerText());
  check('the SRM check is shown', /SRM: (no mismatch|MISMATCH)/.test(await page.locator('#srm').innerText()));
  const gr = await page.locator('#guardrails tbody tr').count();
  check('the guardrails are listed with a status', gr >= 3, `${gr} rows`);
  await forestPlot(page);
  const series = await page.locator('svg.cumulative g.series path').evaluateAll(ps =>
    ps.map(p => p.getAttribute('d') || '').filter(d => /^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+/.test(d)).length);
  check('cumulative metrics draw a line per variant', series >= 4, `${series} lines`);
  await mapDraws(page, true);
  await accessible(page, 'experiment page');
}

async function mapDraws(page, withFlows) {
  await page.waitForSelector('#map svg.map', { timeout: 30000 });
  const states = await page.locator('svg.map path.state').evaluateAll(ps =>
    ps.filter(p => (p.getAttribute('d') || '').length > 20).length);
  check('the US map draws the states', states >= 49, `${states} state paths`);
  const nodes = await page.locator('svg.map circle.node').evaluateAll(cs => cs.map(c => ({
    x: +c.getAttribute('cx'), y: +c.getAttribute('cy'), t: c.querySelector('title').textContent })));
  const net = await page.evaluate(() => fetch('/v1/network').then(r => r.json()));
  check('every node is on the map', nodes.length === net.nodes.length && nodes.length >= 20,
    `${nodes.length} of ${net.nodes.length}`);
  // real coordinates: west is left, north is up (Albers USA), within the frame
  const byId = Object.fromEntries(net.nodes.map(n => [n.id, n]));
  const placed = nodes.map(n => ({ ...n, geo: byId[n.t.split(' ')[0]] })).filter(n => n.geo);
  let order = 0, pairs = 0;
  for (const a of placed)
    for (const b of placed) {
      if (a.geo.lon < b.geo.lon - 5 && Math.abs(a.geo.lat - b.geo.lat) < 8) { pairs++; order += a.x < b.x; }
      if (a.geo.lat > b.geo.lat + 5 && Math.abs(a.geo.lon - b.geo.lon) < 8) { pairs++; order += a.y < b.y; }
    }
  check('nodes sit at their coordinates (west left, north up)', pairs > 10 && order === pairs, `${order} of ${pairs}`);
  check('nodes are inside the map', placed.every(n => n.x > 0 && n.x < 960 && n.y > 0 && n.y < 600));
  if (!withFlows) return;
  const flows = await page.locator('svg.map path.flow').evaluateAll(ps => ps.map(p => ({
    d: p.getAttribute('d') || '', stroke: p.getAttribute('stroke'), v: p.dataset.variant })));
  const drawn = flows.filter(f => /^M[\d.]+,[\d.]+Q/.test(f.d));
  check('flows draw', drawn.length >= 5 && drawn.length === flows.length, `${drawn.length} of ${flows.length}`);
  const colours = new Map(drawn.map(f => [f.v, f.stroke]));
  check('flows are coloured by variant', colours.size >= 2 && new Set(colours.values()).size === colours.size,
    [...colours].map(([v, c]) => `${v}=${c}`).join(' '));
}

// in the page: the button is there, enabled, and the page has drawn
const enabled = action => {
  const b = document.querySelector(`#controls button[data-action="${action}"]`);
  return b && !b.disabled && !!document.body.dataset.ready;
};

async function controls(page) {
  const pause = page.locator('#controls button[data-action="pause"]');
  check('without a token the controls are disabled', await pause.isDisabled());
  await page.fill('#token', 'not-the-token');
  await page.click('#token-form button[type="submit"]');
  await page.waitForFunction(enabled, 'pause', { timeout: 30000 });
  await page.click('#controls button[data-action="pause"]');
  await page.waitForSelector('#controls .error', { timeout: 15000 });
  const err = await page.locator('#controls .error').innerText();
  check('a wrong token is refused', /fail/i.test(err), err);
  check('the experiment still runs', /running/.test(await page.locator('#state').innerText()));
  await page.fill('#token', token);
  await page.click('#token-form button[type="submit"]');
  await page.waitForFunction(enabled, 'pause', { timeout: 30000 });
  check('the token is kept in sessionStorage', await page.evaluate(() => sessionStorage.getItem('ordo.token')) === token);
  await page.click('#controls button[data-action="pause"]');
  await page.waitForFunction(enabled, 'start', { timeout: 30000 }).catch(() => {});
  check('pause with the token pauses it', /paused/.test(await page.locator('#state').innerText()),
    await page.locator('#state').innerText());
  await page.click('#controls button[data-action="start"]');
  await page.waitForFunction(enabled, 'pause', { timeout: 30000 }).catch(() => {});
  check('start resumes it', /running/.test(await page.locator('#state').innerText()));
}

async function decisionLookup(page) {
  await open(page, '#/decisions');
  await page.fill('#order-id', orderId);
  await page.click('#decision-form button[type="submit"]');
  await page.waitForFunction(o => document.body.dataset.ready === '#/decisions/' + encodeURIComponent(o), orderId,
    { timeout: 30000 });
  const rows = await page.locator('#candidates tbody tr').allInnerTexts();
  check('the decision lists its candidates', rows.length >= 2, `${rows.length} candidates`);
  check('one candidate is chosen, the others explained',
    rows.filter(r => /chosen/.test(r)).length >= 1 && rows.every(r => /chosen|outscored|excluded/.test(r)));
  check('an outscored candidate says on what it lost', rows.some(r => /outscored by the .* on \w+/.test(r)));
  check('the decision names its experiment arm', /Experiment:\s*\S+, variant \S+/.test(await page.locator('#decision').innerText()));
  await accessible(page, 'decision page');
  await page.screenshot({ path: path.join(out, 'dashboard-decision.png'), fullPage: true });
}

// #/models: the loaded ETA and risk models, their calibration on live
// outcomes against the bound, and the drift alarms with the retrain command
// (test_dashboard.sh trains them, saves an ETA drift check with a tiny bound
// and a risk drift state with P(return) off)
async function modelsPage(page) {
  await open(page, '#/models');
  const card = page.locator('#models section.model[data-kind="eta"]');
  check('the models page shows the loaded ETA model', await card.count() === 1);
  const text = await card.innerText();
  check('it shows its version and calibration on live outcomes',
    /ETA model eta-v\d+/.test(text) && /Predictions scored since training\s+\d+/.test(text) &&
    /Overall calibration error\s+[\d.]+ pp/.test(text), text.split('\n').slice(0, 6).join(' / '));
  check('the calibration bar draws against its bound', await card.locator('.calib-bar .calib-bound').count() === 1);
  const alarm = card.locator('.drift-alarm[role="alert"]');
  check('the drift alarm shows with the retrain command',
    await alarm.count() === 1 && /ordo model train --run \S+/.test(await alarm.innerText()));
  // the risk model: P(return) and P(cancel) as the server keeps them on live
  // outcomes (test_dashboard.sh saves a state with P(return) far off)
  const risk = page.locator('#models section.model[data-kind="risk"]');
  check('the models page shows the loaded risk model', await risk.count() === 1);
  const targets = risk.locator('.drift');
  check('both risk targets draw their calibration against the bound',
    await targets.count() === 2 && await risk.locator('.calib-bar .calib-bound').count() === 2 &&
    await targets.nth(0).getAttribute('data-target') === 'P(return)' &&
    await targets.nth(1).getAttribute('data-target') === 'P(cancel)' &&
    /Predictions scored since training\s+1500/.test(await targets.nth(1).innerText()));
  const over = await risk.locator('.drift[data-target="P(return)"] .calib-fill.over').count();
  check('the off P(return) fills its bar past the bound', over === 1);
  const riskAlarm = risk.locator('.drift-alarm[role="alert"]');
  check('the risk drift alarm shows once, on P(return), with the retrain command',
    await riskAlarm.count() === 1 && /P\(return\)/.test(await riskAlarm.innerText()) &&
    /ordo model train --run \S+ --kind risk/.test(await riskAlarm.innerText()), await riskAlarm.allInnerTexts());
  await accessible(page, 'models page');
  await page.screenshot({ path: path.join(out, 'dashboard-models.png'), fullPage: true });
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [], outside = [];
  page.on('pageerror', e => errors.push(e.message));
  // the wrong token's refusal (401 or 403) is expected; any other error is not
  page.on('console', m => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) errors.push(m.text());
  });
  page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) outside.push(r.url()); });
  try {
    await experimentsList(page);
    await experimentPage(page);
    await page.screenshot({ path: path.join(out, 'dashboard-experiment.png'), fullPage: true });
    await controls(page);
    await decisionLookup(page);
    await open(page, '#/network');
    await mapDraws(page, true);
    await accessible(page, 'network page');
    await page.screenshot({ path: path.join(out, 'dashboard-network.png'), fullPage: true });
    await modelsPage(page);
  } catch (e) {
    check('the walk finished', false, e.message.split('\n')[0]);
    await page.screenshot({ path: path.join(out, 'dashboard-failure.png'), fullPage: true }).catch(() => {});
  }
  check('no script or console error', errors.length === 0, errors.slice(0, 3).join(' | '));
  check('nothing is fetched from outside the server', outside.length === 0, outside.slice(0, 3).join(' '));
  await browser.close();
  console.log(`screenshots in ${out}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch(e => { console.error(e); process.exit(1); });
