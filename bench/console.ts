/**
 * The web console in a real browser (Debian's `chromium`, headless, driven by playwright-core)
 * against the stack scripts/bench.sh runs (`npm run bench -- console`). Results go to
 * bench/results/console.json.
 *
 *   page:   the containers page with BENCH_CONSOLE_ROWS (2,000) containers of the admin project.
 *           The rows are written straight into the stack's database as copies of one real
 *           container, on no host, so no agent or engine works for them; they are listed,
 *           searched and streamed like any other. Each run is a fresh browser context (no cache)
 *           that navigates to the page with a signed-in session; the page itself records, from
 *           the navigation's start (performance.now()), the first frame painted after rows with
 *           their links are in the table (interactive), and the moment every row is in (the
 *           pager counts all of them: search and sort now cover the whole list). After each run
 *           the first row's link is clicked and must open its detail page.
 *   status: a status change on an open page: a real container (busybox, Running) is stopped with
 *           the engine's stop (what `docker stop` calls); the time from the engine's `die` event
 *           (its `timeNano`) to the moment the open page shows the row Stopped (Date.now() in the
 *           page; same machine, same clock). It is started again through the API between runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { Client } from 'pg';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { api, login, passwordToken } from './api-client';
import { median, quantile } from './stats';

const CONSOLE = process.env.BENCH_CONSOLE_URL ?? 'http://127.0.0.1:29520';
const PASSWORD = process.env.BENCH_ADMIN_PASSWORD ?? '';
const ROWS = Number(process.env.BENCH_CONSOLE_ROWS ?? 2000);
const PAGE_RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 15);
const STATUS_RUNS = Number(process.env.BENCH_CONSOLE_STATUS_RUNS ?? 10);
const IMAGE = process.env.BENCH_IMAGE ?? '127.0.0.1:5000/busybox:latest';
const PREFIX = 'console-bench-';
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

const summary = (xs: number[]) => ({
  median_ms: Math.round(median(xs)),
  p90_ms: Math.round(quantile(xs, 0.9)),
  samples_ms: xs.map(Math.round),
});

/** The stack's database (scripts/bench.sh exports its state folder and port). */
async function database(): Promise<Client> {
  const state = process.env.ZUN_STATE ?? path.resolve(__dirname, '..', '.zun', 'bench');
  const { dbPassword } = JSON.parse(readFileSync(path.join(state, 'secrets.json'), 'utf8')) as {
    dbPassword: string;
  };
  const db = new Client({
    host: '127.0.0.1',
    port: Number(process.env.ZUN_PG_PORT ?? 55435),
    user: 'zun',
    password: dbPassword,
    database: 'zun',
  });
  await db.connect();
  return db;
}

/** What the console keeps in sessionStorage after its sign-in form (web/src/session.ts). */
async function consoleSession(): Promise<string> {
  const { token, body } = await passwordToken(`${CONSOLE}/identity/v3`, 'admin', PASSWORD);
  return JSON.stringify({
    token,
    user: body.token.user.name,
    project: body.token.project,
    roles: body.token.roles.map((r) => r.name),
    expiresAt: body.token.expires_at,
  });
}

async function createRunning(name: string): Promise<string> {
  const r = await api<{ uuid: string }>('POST', '/v1/containers?run=true', {
    name,
    image: IMAGE,
    // Ends at once on SIGTERM (a shell as PID 1 would otherwise wait out the stop timeout).
    command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
    memory: 32,
    image_pull_policy: 'ifnotpresent',
  });
  if (r.status !== 202) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  await waitStatus(r.body.uuid, 'Running');
  return r.body.uuid;
}

async function waitStatus(uuid: string, status: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const c = await api<{ status: string; status_reason: string | null }>('GET', `/v1/containers/${uuid}`);
    if (c.body.status === status) return;
    if (c.body.status === 'Error') throw new Error(`${uuid} failed: ${c.body.status_reason}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${uuid} never reached ${status}`);
}

/** A context whose pages start signed in and record when the table becomes usable. */
async function signedInContext(browser: Browser, session: string, total: number): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(
    ({ session, total }) => {
      sessionStorage.setItem('zun-console-session', session);
      const marks: { rows?: number; painted?: number; all?: number } = {};
      (window as unknown as { benchMarks: typeof marks }).benchMarks = marks;
      const look = (): void => {
        if (marks.rows === undefined && document.querySelector('tbody tr[data-uuid] a')) {
          marks.rows = performance.now();
          requestAnimationFrame(() => (marks.painted = performance.now()));
        }
        const pager = document.querySelector('nav.pager span')?.textContent ?? '';
        if (marks.all === undefined && pager.includes(`of ${total} containers`))
          marks.all = performance.now();
        if (marks.all !== undefined && marks.rows !== undefined) observer.disconnect();
      };
      const observer = new MutationObserver(look);
      observer.observe(document, { subtree: true, childList: true, characterData: true });
    },
    { session, total },
  );
  return context;
}

async function benchPage(browser: Browser, session: string, total: number) {
  const interactive: number[] = [];
  const complete: number[] = [];
  // One run first that is not counted: the stack's first list warms its caches.
  for (let run = -1; run < PAGE_RUNS; run++) {
    const context = await signedInContext(browser, session, total);
    const page = await context.newPage();
    await page.goto(`${CONSOLE}/#/containers`);
    await page.getByText(`of ${total} containers`).waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => (window as unknown as { benchMarks: { painted?: number } }).benchMarks.painted,
    );
    const marks = await page.evaluate(
      () => (window as unknown as { benchMarks: { painted: number; all: number } }).benchMarks,
    );
    const first = page.locator('tbody tr[data-uuid]').first();
    const name = String(await first.getAttribute('data-name'));
    await first.getByRole('link', { name }).click();
    await page.getByRole('heading', { name }).waitFor();
    await context.close();
    if (run < 0) continue;
    interactive.push(marks.painted);
    complete.push(marks.all);
    process.stdout.write(
      `  page run ${run + 1}: interactive ${marks.painted.toFixed(0)} ms, all rows ${marks.all.toFixed(0)} ms\n`,
    );
  }
  return { interactive, complete };
}

async function benchStatus(
  browser: Browser,
  session: string,
  total: number,
  uuid: string,
): Promise<number[]> {
  const engine = docker.getContainer(`zun-${uuid}`);
  const context = await signedInContext(browser, session, total);
  const page = await context.newPage();
  await page.goto(`${CONSOLE}/#/containers`);
  const row = page.locator(`tr[data-uuid="${uuid}"]`);
  await page.getByLabel('Search').fill(`${PREFIX}live`);
  await row.locator('[data-status="Running"]').waitFor({ timeout: 30_000 });
  const delays: number[] = [];
  try {
    for (let run = 0; run < STATUS_RUNS; run++) {
      // The page notes the wall clock at the moment the row shows Stopped.
      const seen = page.evaluate(
        (uuid) =>
          new Promise<number>((resolve) => {
            const check = (): boolean => {
              if (!document.querySelector(`tr[data-uuid="${uuid}"] [data-status="Stopped"]`)) return false;
              resolve(Date.now());
              return true;
            };
            if (check()) return;
            const o = new MutationObserver(() => check() && o.disconnect());
            o.observe(document.body, {
              subtree: true,
              childList: true,
              characterData: true,
              attributes: true,
            });
          }),
        uuid,
      );
      const events = await docker.getEvents({
        filters: { container: [`zun-${uuid}`], event: ['die'] },
      });
      const died = new Promise<number>((resolve) =>
        events.on('data', (d: Buffer) =>
          resolve(Number((JSON.parse(d.toString()) as { timeNano: number }).timeNano) / 1e6),
        ),
      );
      await engine.stop({ t: 10 });
      const [dieAt, shownAt] = await Promise.all([died, seen]);
      (events as unknown as { destroy(): void }).destroy();
      delays.push(shownAt - dieAt);
      process.stdout.write(
        `  status run ${run + 1}: Stopped shown ${(shownAt - dieAt).toFixed(0)} ms after the engine's die\n`,
      );
      const started = await api('POST', `/v1/containers/${uuid}/start`);
      if (started.status !== 202) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
      await row.locator('[data-status="Running"]').waitFor({ timeout: 30_000 });
    }
  } finally {
    await context.close();
  }
  return delays;
}

async function main(): Promise<void> {
  await login();
  const session = await consoleSession();
  const project = (JSON.parse(session) as { project: { id: string } }).project.id;
  const db = await database();
  let template: string | null = null;
  let live: string | null = null;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
  try {
    await db.query('DELETE FROM containers WHERE name LIKE $1 AND host IS NULL', [`${PREFIX}%`]);
    const made = await api<{ uuid: string }>('POST', '/v1/containers', {
      name: `${PREFIX}template`,
      image: IMAGE,
      command: ['sleep', '600'],
      image_pull_policy: 'ifnotpresent',
    });
    if (made.status !== 202) throw new Error(`create failed: ${made.status} ${JSON.stringify(made.body)}`);
    template = made.body.uuid;
    await waitStatus(template, 'Created');
    // Before the copies, which would exceed the project's quota.
    live = await createRunning(`${PREFIX}live`);
    // Copies of the template on no host and with no engine container: nothing acts on them.
    const cols = (
      await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'containers'
         AND column_name NOT IN ('id', 'uuid', 'name', 'host', 'status', 'container_id')`,
      )
    ).rows.map((r) => `"${r.column_name}"`);
    await db.query(
      `INSERT INTO containers (uuid, name, host, status, container_id, ${cols.join(', ')})
       SELECT gen_random_uuid()::text, $1 || lpad(g::text, 4, '0'), NULL,
              (ARRAY['Stopped', 'Created', 'Running', 'Error'])[1 + g % 4], NULL, ${cols.map((c) => `t.${c}`).join(', ')}
       FROM containers t, generate_series(1, $2::int) g WHERE t.uuid = $3`,
      [PREFIX, ROWS - 1, template],
    );
    const total = Number(
      (
        await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM containers WHERE project_id = $1 AND container_type = 0',
          [project],
        )
      ).rows[0].n,
    );
    process.stdout.write(`console bench: ${total} containers in the admin project\n`);

    // The machine's load says how far the figures are from a quiet machine's (2 cores here).
    const loadBefore = loadavg()[0];
    const { interactive, complete } = await benchPage(browser, session, total);
    const status = await benchStatus(browser, session, total, live);
    const result = {
      when: new Date().toISOString(),
      rows: total,
      load_average_1min: { before: loadBefore, after: loadavg()[0] },
      page_interactive: summary(interactive),
      page_all_rows: summary(complete),
      status_change_visible: summary(status),
      target_ms: 1000,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const dir = path.join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'console.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await browser.close();
    await db.query('DELETE FROM containers WHERE name LIKE $1 AND host IS NULL', [`${PREFIX}%`]);
    for (const uuid of [template, live]) if (uuid) await api('DELETE', `/v1/containers/${uuid}?force=True`);
    await db.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
