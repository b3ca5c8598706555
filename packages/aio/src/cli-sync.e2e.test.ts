import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AioStack, BUSYBOX, REGISTRY } from '../../../test/support/aio-stack';

const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' });

/** The rows of a `zun` key/value table (print_dict) as a map. */
function table(out: string): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const m of out.matchAll(/^\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|$/gm)) rows[m[1]] = m[2];
  return rows;
}

/** The name column of a `zun list` table, in order. */
const listed = (out: string): string[] =>
  [...out.matchAll(/^\|\s*[0-9a-f-]{36}\s*\|\s*([^|]+?)\s*\|/gm)].map((m) => m[1]);

/**
 * top, stats, cp both ways, commit and list as the unmodified `zun` CLI drives them against the
 * all-in-one stack, with the effects checked in Docker and the registry.
 */
describe('zun top / stats / cp / commit / list through the real CLI', () => {
  const stack = new AioStack();
  const zun = (...args: (string | { demo: boolean })[]) => stack.zun(...args);
  const work = mkdtempSync(path.join(tmpdir(), 'zun-cli-sync-'));
  const tag = randomBytes(3).toString('hex');
  const images: string[] = [];

  beforeAll(async () => {
    await stack.start();
    const r = await zun(
      'run',
      '--name',
      'cli-sync',
      '--memory',
      '64',
      BUSYBOX,
      'sh',
      '-c',
      'dd if=/dev/zero of=/dev/shm/ballast bs=1M count=20; echo baked > /baked.txt; sleep 3600',
    );
    expect(r.code).toBe(0);
    await stack.waitStatus('cli-sync', 'Running');
  }, 200_000);

  afterAll(async () => {
    await stack.destroy();
    for (const img of images) {
      try {
        docker('rmi', '-f', img);
      } catch {
        // not there
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('zun top shows the processes Docker sees in the container', async () => {
    // python-zunclient 4.5.0's do_top uses Python 2 print syntax and fails after the request,
    // so the response is read from --debug, which logs the body the server sent.
    const r = await zun('--debug', 'top', 'cli-sync');
    const body = /(\{"(?:Processes|Titles)".*\})\s*$/m.exec(r.err + r.out);
    expect(body).not.toBeNull();
    const top = JSON.parse(body![1]) as { Titles: string[]; Processes: string[][] };
    expect(top.Titles).toEqual(expect.arrayContaining(['PID', 'CMD']));
    const engine = await stack.docker
      .getContainer(`zun-${String((await stack.show('cli-sync')).uuid)}`)
      .top();
    const pid = (t: { Titles: string[]; Processes: string[][] }) =>
      t.Processes.map((p) => p[t.Titles.indexOf('PID')]).sort();
    expect(pid(top)).toEqual(pid(engine as { Titles: string[]; Processes: string[][] }));
    expect(top.Processes.map((p) => p.join(' ')).join('\n')).toContain('sleep 3600');
  });

  it('zun stats prints the memory limit and the usage the engine measures', async () => {
    const r = await zun('stats', 'cli-sync');
    expect(r.code).toBe(0);
    const s = table(r.out);
    expect(s.CONTAINER).toBe('cli-sync');
    expect(Number(s['MEM LIMIT(MiB)'])).toBe(64);
    expect(Number(s['MEM USAGE(MiB)'])).toBeGreaterThanOrEqual(20);
    expect(Number(s['MEM USAGE(MiB)'])).toBeLessThan(64);
    expect(s['NET I/O(B)']).toMatch(/^\d+\/\d+$/);
    expect(s['BLOCK I/O(B)']).toMatch(/^\d+\/\d+$/);
    expect(Number(s['CPU %'])).toBeGreaterThanOrEqual(0);
  });

  it('zun cp copies a file into the container and back out', async () => {
    const content = `from the host ${tag}\n`;
    writeFileSync(path.join(work, 'in.txt'), content);
    const put = await zun('cp', path.join(work, 'in.txt'), 'cli-sync:/tmp');
    expect(put.code).toBe(0);
    const id = `zun-${String((await stack.show('cli-sync')).uuid)}`;
    expect(docker('exec', id, 'cat', '/tmp/in.txt')).toBe(content);

    const out = mkdtempSync(path.join(work, 'out-'));
    const get = await zun('cp', 'cli-sync:/baked.txt', out);
    expect(get.code).toBe(0);
    expect(readFileSync(path.join(out, 'baked.txt'), 'utf8')).toBe('baked\n');

    const missing = await zun('cp', 'cli-sync:/no/such/file', out);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('(HTTP 400)');
  });

  it('zun commit pushes to the registry named in the repository; the image runs through zun', async () => {
    const repo = `${REGISTRY}/zun-cli-commit-${tag}`;
    images.push(`${repo}:latest`);
    const r = await zun('commit', 'cli-sync', repo);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /Request to commit container cli-sync has been accepted\. The image is [0-9a-f-]{36}\./,
    );
    const deadline = Date.now() + 60_000;
    let tags: string[] = [];
    while (Date.now() < deadline && !tags.includes('latest')) {
      const res = await fetch(`http://${REGISTRY}/v2/zun-cli-commit-${tag}/tags/list`);
      if (res.ok) tags = ((await res.json()) as { tags: string[] | null }).tags ?? [];
      else await new Promise((res2) => setTimeout(res2, 300));
    }
    expect(tags).toContain('latest');
    expect((await stack.show('cli-sync')).status).toBe('Running');

    expect((await zun('run', '--name', 'cli-from-commit', repo, 'cat', '/baked.txt')).code).toBe(0);
    await stack.waitStatus('cli-from-commit', 'Stopped');
    expect((await zun('logs', 'cli-from-commit')).out).toContain('baked');

    // A name without a registry host goes to the project's namespace of the default registry
    // (safe commit: no project can overwrite another's images), pushed there.
    const local = `zun-cli-local-${tag}`;
    const project = String((await stack.show('cli-sync')).project_id);
    images.push(`${REGISTRY}/${project}/${local}:v1`);
    expect((await zun('commit', 'cli-sync', `${local}:v1`)).code).toBe(0);
    const until = Date.now() + 60_000;
    let nsTags: string[] = [];
    while (Date.now() < until && !nsTags.includes('v1')) {
      const res = await fetch(`http://${REGISTRY}/v2/${project}/${local}/tags/list`);
      if (res.ok) nsTags = ((await res.json()) as { tags: string[] | null }).tags ?? [];
      else await new Promise((res2) => setTimeout(res2, 300));
    }
    expect(nsTags).toContain('v1');
    // Both commits are in the audit trail, each with a successful compute event.
    const actions = await zun('action-list', 'cli-sync');
    const commits = [...actions.out.matchAll(/\|\s*(req-[0-9a-f-]{36})\s*\|\s*commit\s*\|/g)].map(
      (m) => m[1],
    );
    expect(commits).toHaveLength(2);
    for (const req of commits) {
      const shown = await zun('action-show', 'cli-sync', req);
      expect(shown.code).toBe(0);
      expect(shown.out).toContain('compute__do_container_commit');
      expect(shown.out).toContain('Success');
    }
  });

  it('zun list filters, pages and spans projects the way the CLI asks', async () => {
    expect((await zun('run', '--name', 'cli-demo', BUSYBOX, 'sleep', '600', { demo: true })).code).toBe(0);
    await stack.waitStatus('cli-demo', 'Running', 30_000, true);

    expect(listed((await zun('list', '--name', 'cli-sync')).out)).toEqual(['cli-sync']);
    expect(listed((await zun('list', '--memory', '64')).out)).toEqual(['cli-sync']);
    expect(listed((await zun('list', '--status', 'Stopped')).out)).toEqual(['cli-from-commit']);
    expect(listed((await zun('list', '--image', BUSYBOX)).out)).toEqual(['cli-sync']);
    expect(listed((await zun('list', '--host', stack.host)).out).sort()).toEqual([
      'cli-from-commit',
      'cli-sync',
    ]);
    expect(listed((await zun('list')).out)).not.toContain('cli-demo');
    expect(listed((await zun('list', { demo: true })).out)).toEqual(['cli-demo']);
    expect(listed((await zun('list', '--all-projects')).out).sort()).toEqual([
      'cli-demo',
      'cli-from-commit',
      'cli-sync',
    ]);
    // --limit makes the client follow next links; they keep --all-projects.
    expect(
      listed(
        (await zun('list', '--all-projects', '--limit', '3', '--sort-key', 'name', '--sort-dir', 'desc')).out,
      ),
    ).toEqual(['cli-sync', 'cli-from-commit', 'cli-demo']);

    const bad = await zun('list', '--sort-key', 'bogus');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('(HTTP 400)');
    const notAdmin = await zun('list', '--all-projects', { demo: true });
    expect(notAdmin.err).toContain('(HTTP 403)');

    // Admins reach other projects' containers by name.
    expect((await zun('show', 'cli-demo')).code).toBe(0);
    const stats = await zun('stats', 'cli-demo');
    expect(table(stats.out).CONTAINER).toBe('cli-demo');
    const wrongState = await zun('stats', 'cli-from-commit');
    expect(wrongState.err).toContain('(HTTP 409)');
    expect((await zun('delete', '--stop', '--all-projects', 'cli-demo')).code).toBe(0);
    await stack.waitGone('cli-demo');
  });
});
