import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;
const SLEEP = ['sh', '-c', 'trap "exit 0" TERM; sleep 300 & wait'];

/**
 * The agent remembers the project networks it made or found, so a create on a known network
 * skips the engine's network inspect. What it remembers can go stale behind its back; the start
 * path must notice, make the network again and still run the container. And the engine's start,
 * which now runs while the Created row is written, must leave a failed start in Error.
 */
describe('start path: known networks and the overlapped Created write (real engine)', () => {
  let db: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    // Unused networks stay (and stay known to the agent), as they do by default.
    await stack.startAgent({ ZUN_COMPUTE_NETWORK_IDLE_TIMEOUT: '600' });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  const run = async (name: string, body: View): Promise<string> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      user: 'demo',
      body: { image: BUSYBOX, name, ...body },
    });
    expect(r.status).toBe(202);
    return String(r.body.uuid);
  };
  const remove = async (uuid: string): Promise<void> => {
    expect((await stack.call('DELETE', `/v1/containers/${uuid}?stop=True`, { user: 'demo' })).status).toBe(
      204,
    );
    await stack.waitFor(uuid, (v) => v.gone === true, 60_000, 'demo');
  };
  const networksOf = async (uuid: string): Promise<string[]> =>
    Object.keys((await stack.docker.getContainer(`zun-${uuid}`).inspect()).NetworkSettings.Networks).sort();

  it('makes a known network again when it was removed behind its back, on the first and a further network', async () => {
    const nets = [{ network: 'known-a' }, { network: 'known-b' }];
    const first = await run('known-1', { command: SLEEP, nets });
    const c1 = await stack.waitFor(first, (v) => v.status === 'Running', 60_000, 'demo');
    const names = [`zun-${String(c1.project_id)}-known-a`, `zun-${String(c1.project_id)}-known-b`];
    expect(await networksOf(first)).toEqual(names);
    const oldIds = await Promise.all(names.map(async (n) => (await stack.docker.getNetwork(n).inspect()).Id));
    await remove(first);

    // Both networks outlive the container (idle timeout) and the agent still knows them; an
    // operator removes them.
    for (const n of names) await stack.docker.getNetwork(n).remove();

    const second = await run('known-2', { command: SLEEP, nets });
    const c2 = await stack.waitFor(
      second,
      (v) => v.status === 'Running' || v.status === 'Error',
      60_000,
      'demo',
    );
    expect(c2.status_reason ?? null).toBeNull();
    expect(c2.status).toBe('Running');
    expect(await networksOf(second)).toEqual(names);
    const newIds = await Promise.all(names.map(async (n) => (await stack.docker.getNetwork(n).inspect()).Id));
    expect(newIds[0]).not.toBe(oldIds[0]);
    expect(newIds[1]).not.toBe(oldIds[1]);
    await remove(second);
  });

  it('a start the engine refuses ends in Error with its reason, after the Created write', async () => {
    const uuid = await run('refused-start', { command: ['/no/such/binary'] });
    const c = await stack.waitFor(
      uuid,
      (v) => v.status === 'Error' || v.status === 'Running',
      60_000,
      'demo',
    );
    expect(c.status).toBe('Error');
    expect(String(c.status_reason)).toMatch(/no such file|not found/i);
    expect(c.task_state).toBeNull();
    // It stays so: nothing written late turns it back into Created.
    await new Promise((r) => setTimeout(r, 1_000));
    const again = await stack.call<View>('GET', `/v1/containers/${uuid}`, { user: 'demo' });
    expect(again.body.status).toBe('Error');
  });
});
