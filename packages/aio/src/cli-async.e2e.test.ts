import { totalmem } from 'node:os';
import { AioStack, BUSYBOX } from '../../../test/support/aio-stack';

/** What the host may claim in memory: small, so `zun update` can be refused for lack of room. */
const HOST_MEMORY_MIB = 1024;

/** The rows of a `zun` key/value table (print_dict) as a map. */
function table(out: string): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const m of out.matchAll(/^\|\s*([^|]+?)\s*\|\s*([^|]*?)\s*\|$/gm)) rows[m[1]] = m[2];
  return rows;
}

/**
 * restart, pause/unpause, kill, rebuild, update, rename, action-list and action-show as the
 * unmodified `zun` CLI sends them to the all-in-one stack, with the effects checked in Docker.
 */
describe('zun restart / pause / unpause / kill / rebuild / update / rename / actions through the real CLI', () => {
  const stack = new AioStack({
    env: {
      ZUN_COMPUTE_RESERVED_HOST_MEMORY_MB: String(Math.floor(totalmem() / 2 ** 20) - HOST_MEMORY_MIB),
      ZUN_COMPUTE_RAM_ALLOCATION_RATIO: '1',
    },
    ports: {
      api: process.env.ZUN_E2E_API_PORT,
      agent: process.env.ZUN_E2E_AGENT_PORT,
      pg: process.env.ZUN_E2E_PG_PORT,
    },
  });
  const zun = (...args: string[]) => stack.zun(...args);
  const startedAt = async (name: string) => (await stack.engine(name)).State.StartedAt;
  /** Polls until `check` holds on the Docker container (or fails with the last state). */
  async function engineUntil(name: string, check: (s: { Running: boolean; Paused: boolean }) => boolean) {
    const deadline = Date.now() + 30_000;
    let last = (await stack.engine(name)).State;
    while (!check(last) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      last = (await stack.engine(name)).State;
    }
    expect(check(last)).toBe(true);
  }

  beforeAll(async () => {
    await stack.start();
    const r = await zun(
      'run',
      '--name',
      'cli-async',
      '--memory',
      '64',
      '--cpu',
      '0.5',
      BUSYBOX,
      'sleep',
      '600',
    );
    expect(r.code).toBe(0);
    await stack.waitStatus('cli-async', 'Running');
  }, 240_000);
  afterAll(() => stack.destroy(), 60_000);

  it('zun restart restarts the Docker container (new StartedAt)', async () => {
    const before = await startedAt('cli-async');
    const r = await zun('restart', '-t', '1', 'cli-async');
    expect(r.out).toContain('Request to restart container cli-async has been accepted.');
    await engineUntil('cli-async', (s) => s.Running);
    const deadline = Date.now() + 30_000;
    while ((await startedAt('cli-async')) === before && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(new Date(await startedAt('cli-async')).getTime()).toBeGreaterThan(new Date(before).getTime());
    await stack.waitStatus('cli-async', 'Running');
  });

  it('zun pause / unpause; a verb in the wrong state is reported as refused', async () => {
    expect((await zun('pause', 'cli-async')).out).toContain(
      'Request to pause container cli-async has been accepted.',
    );
    await stack.waitStatus('cli-async', 'Paused');
    expect((await stack.engine('cli-async')).State.Paused).toBe(true);

    const refused = await zun('restart', 'cli-async');
    expect(refused.out).toMatch(/Restart for container cli-async failed: .*Paused/);
    const twice = await zun('pause', 'cli-async');
    expect(twice.out).toMatch(
      /Pause for container cli-async failed: .*409|Pause for container cli-async failed: .*Paused/,
    );

    expect((await zun('unpause', 'cli-async')).out).toContain(
      'Request to unpause container cli-async has been accepted.',
    );
    await stack.waitStatus('cli-async', 'Running');
    const state = (await stack.engine('cli-async')).State;
    expect(state.Paused).toBe(false);
    expect(state.Running).toBe(true);
  });

  it('zun update changes cpu/memory live (Docker HostConfig) and prints the container', async () => {
    const before = await startedAt('cli-async');
    const r = await zun('update', '--memory', '96', '--cpu', '1', 'cli-async');
    expect(r.code).toBe(0);
    const shown = table(r.out);
    expect(shown.memory).toBe('96');
    expect(Number(shown.cpu)).toBe(1);
    const info = await stack.engine('cli-async');
    expect(info.HostConfig.Memory).toBe(96 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.State.StartedAt).toBe(before); // live: not restarted

    // Within the API's range but more than this host has left: refused, nothing changed.
    const tooBig = await zun('update', '--memory', String(HOST_MEMORY_MIB * 2), 'cli-async');
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.err).toMatch(/Insufficient compute resources/);
    expect((await stack.show('cli-async')).memory).toBe('96');
    expect((await stack.engine('cli-async')).HostConfig.Memory).toBe(96 * 1024 * 1024);
  });

  it('zun update --name and zun rename (an API ≤ 1.13 verb)', async () => {
    const r = await zun('update', '--name', 'cli-async-2', 'cli-async');
    expect(r.code).toBe(0);
    expect(table(r.out).name).toBe('cli-async-2');
    // At the client's default 1.40 the rename verb no longer exists.
    const latest = await zun('rename', 'cli-async-2', 'cli-async');
    expect(latest.code).not.toBe(0);
    expect(latest.err + latest.out).toMatch(/406|not supported/i);
    const old = await zun('--zun-api-version', '1.13', 'rename', 'cli-async-2', 'cli-async');
    expect(old.code).toBe(0);
    expect((await stack.show('cli-async')).name).toBe('cli-async');
  });

  it('zun rebuild makes a new Docker container under the same uuid, running again', async () => {
    const before = await stack.show('cli-async');
    const oldId = (await stack.engine('cli-async')).Id;
    const r = await zun('rebuild', '--image', `${BUSYBOX}:latest`, 'cli-async');
    expect(r.out).toContain('Request to rebuild container cli-async has been accepted.');
    const deadline = Date.now() + 60_000;
    let now = await stack.show('cli-async');
    while (!(now.status === 'Running' && now.task_state === null && now.image === `${BUSYBOX}:latest`)) {
      if (Date.now() > deadline) throw new Error(`rebuild did not finish: ${JSON.stringify(now)}`);
      await new Promise((res) => setTimeout(res, 300));
      now = await stack.show('cli-async');
    }
    expect(now.uuid).toBe(before.uuid);
    const info = await stack.engine('cli-async');
    expect(info.Id).not.toBe(oldId);
    expect(info.State.Running).toBe(true);
    expect(info.HostConfig.Memory).toBe(96 * 1024 * 1024); // the updated limits are its settings now
    await expect(stack.docker.getContainer(oldId).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('zun kill: a bad signal is refused, a good one stops the container', async () => {
    const bad = await zun('kill', '-s', 'SIGNOPE', 'cli-async');
    expect(bad.out).toMatch(/kill signal for container cli-async failed: .*[Ss]ignal/);
    expect((await stack.engine('cli-async')).State.Running).toBe(true);
    const r = await zun('kill', '-s', 'KILL', 'cli-async');
    expect(r.out).toContain('Request to kill signal to container cli-async has been accepted.');
    await stack.waitStatus('cli-async', 'Stopped');
    const state = (await stack.engine('cli-async')).State;
    expect(state.Running).toBe(false);
    expect(state.ExitCode).toBe(137);
  });

  it('zun action-list / action-show report every verb with its events', async () => {
    const list = await zun('action-list', 'cli-async');
    expect(list.code).toBe(0);
    const actions = [
      ...list.out.matchAll(/^\|\s*\S+\s*\|\s*[0-9a-f-]{36}\s*\|\s*(req-[0-9a-f-]+)\s*\|\s*(\w+)\s*\|/gm),
    ].map((m) => ({ request: m[1], action: m[2] }));
    expect(actions.map((a) => a.action)).toEqual(['kill', 'rebuild', 'unpause', 'pause', 'reboot', 'create']);
    const rebuild = actions.find((a) => a.action === 'rebuild')!;
    const show = await zun('action-show', 'cli-async', rebuild.request);
    expect(show.code).toBe(0);
    const rows = table(show.out);
    expect(rows.action).toBe('rebuild');
    expect(rows.request_id).toBe(rebuild.request);
    expect(rows.finish_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(show.out).toContain('compute__do_container_rebuild');
    expect(show.out).toContain('compute__do_container_start');
    expect(show.out).toContain('Success');
  });
});
