#!/usr/bin/env node
/* global process, fetch, setTimeout */
// Client load for the rolling-restart check: WORKERS loops of list, create, show, force delete
// through the load balancer until SIGTERM/SIGINT (or SECONDS elapse), then one JSON line with
// the number of requests and of failed ones. A failure is a network error or an answer other
// than the one the call expects; a rolling restart done right produces none.
//   ZUN_URL=http://127.0.0.1:19517 OS_USERNAME=admin OS_PASSWORD=... node deploy/load.mjs
const base = process.env.ZUN_URL ?? 'http://127.0.0.1:19517';
const workers = Number(process.env.WORKERS ?? 3);
const seconds = Number(process.env.SECONDS_MAX ?? 600);
const image = process.env.LOAD_IMAGE ?? 'busybox';

const stats = { requests: 0, failed: 0, byCall: {}, failures: [] };
let stopping = false;
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));

/** @returns {Promise<string>} a project-scoped token of the admin user */
async function token() {
  const body = {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: process.env.OS_USERNAME ?? 'admin',
            domain: { name: 'Default' },
            password: process.env.OS_PASSWORD,
          },
        },
      },
      scope: { project: { name: process.env.OS_PROJECT_NAME ?? 'admin', domain: { name: 'Default' } } },
    },
  };
  const r = await fetch(`${base}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`token: ${r.status} ${await r.text()}`);
  return r.headers.get('x-subject-token') ?? '';
}

/**
 * @param {string} call a name for the statistics
 * @param {number} expect the status the call answers when it works
 * @returns {Promise<unknown>} the decoded answer, or undefined after a failure
 */
async function request(tok, call, expect, method, path, body) {
  stats.requests++;
  const entry = (stats.byCall[call] ??= { ok: 0, failed: 0 });
  try {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        'X-Auth-Token': tok,
        'OpenStack-API-Version': 'container 1.40',
        'Content-Type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status !== expect) throw new Error(`${r.status} ${text.slice(0, 200)}`);
    entry.ok++;
    return text ? JSON.parse(text) : {};
  } catch (err) {
    stats.failed++;
    entry.failed++;
    if (stats.failures.length < 20)
      stats.failures.push(`${new Date().toISOString()} ${call}: ${err.message}`);
    return undefined;
  }
}

async function worker(tok, w) {
  for (let n = 0; !stopping; n++) {
    await request(tok, 'list', 200, 'GET', '/v1/containers');
    const c = await request(tok, 'create', 202, 'POST', '/v1/containers', {
      name: `load-${w}-${n}`,
      image,
      command: ['sleep', '300'],
    });
    if (!c || typeof c.uuid !== 'string') continue;
    await request(tok, 'show', 200, 'GET', `/v1/containers/${c.uuid}`);
    await request(tok, 'delete', 204, 'DELETE', `/v1/containers/${c.uuid}?force=true`);
  }
}

const started = Date.now();
setTimeout(() => (stopping = true), seconds * 1000).unref();
const tok = await token();
await Promise.all(Array.from({ length: workers }, (_, w) => worker(tok, w)));
process.stdout.write(`${JSON.stringify({ seconds: (Date.now() - started) / 1000, workers, ...stats })}\n`);
