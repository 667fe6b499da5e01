// SPDX-License-Identifier: Apache-2.0
// The HTTP API the dashboard reads (docs/dashboard.md): the same JSON as the
// CLI's --json output. Writes carry the bearer token kept in sessionStorage.

const TOKEN_KEY = 'ordo.token';

export class ApiError extends Error {
  constructor(status, message, field) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** JSON, or NDJSON (one document a line) as an array. */
function parse(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    const lines = text.split('\n').filter(l => l.trim());
    if (lines.length < 2) throw e;
    return lines.map(l => JSON.parse(l));
  }
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers.Authorization = 'Bearer ' + token();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'the server cannot be reached (' + e.message + ')');
  }
  const text = await r.text();
  if (!r.ok) {
    let msg = r.status + ' ' + r.statusText, field;
    try {
      const err = JSON.parse(text).error || {};
      if (err.message) msg = (err.code ? err.code + ': ' : '') + err.message;
      field = err.field;
    } catch (_) { /* not JSON: keep the status line */ }
    throw new ApiError(r.status, msg, field);
  }
  return text.trim() ? parse(text) : null;
}

const enc = encodeURIComponent;

/** `ordo exp list --json`: an array of {experiment, status, ...}. */
export async function experiments() {
  const d = await request('GET', '/v1/experiments');
  return Array.isArray(d) ? d : (d && d.experiments) || [];
}

export const experiment = id => request('GET', `/v1/experiments/${enc(id)}`);
export const report = id => request('GET', `/v1/experiments/${enc(id)}/report`);
export const network = () => request('GET', '/v1/network');
/** limit: how many of the latest log records the server reads for them */
export const flows = (id, limit = 20000) =>
  request('GET', `/v1/flows?experiment=${enc(id)}&limit=${limit}`);

/** The decision trace of an order: its records (the decision, then shadows). */
export async function decision(orderId) {
  const d = await request('GET', `/v1/decisions/${enc(orderId)}`);
  if (Array.isArray(d)) return d;
  if (d && Array.isArray(d.records)) return d.records;
  return d ? [d] : [];
}

/** start | pause | kill, with a reason for the audit trail */
export const act = (id, action) =>
  request('POST', `/v1/experiments/${enc(id)}:${action}?reason=${enc('from the dashboard')}`);

/** The learned models the server decides with, and their drift. */
export const models = () => request('GET', '/v1/models');
export const reloadModels = () => request('POST', '/v1/models/reload');
