import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;
// Long enough that the second container reaches the network before it goes, even on a busy CI host.
const IDLE_SECONDS = 8;

/**
 * `[compute] network_idle_timeout`: a project network outlives its last container for a while,
 * so the project's next container reuses it instead of paying for a new bridge, and then goes.
 */
describe('idle project networks (real engine)', () => {
  let db: TestDatabase;
  let stack: TestStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent({ ZUN_COMPUTE_NETWORK_IDLE_TIMEOUT: String(IDLE_SECONDS) });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  /** The container's view and when its DELETE was sent (its network cannot be idle before that). */
  const runThenDelete = async (name: string): Promise<{ c: View; deletedAt: number }> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      user: 'demo',
      body: {
        image: BUSYBOX,
        name,
        command: ['sh', '-c', 'trap "exit 0" TERM; sleep 300 & wait'],
        nets: [{ network: 'keep' }],
      },
    });
    expect(r.status).toBe(202);
    const c = await stack.waitFor(String(r.body.uuid), (v) => v.status === 'Running', 30_000, 'demo');
    const deletedAt = Date.now();
    expect((await stack.call('DELETE', `/v1/containers/${name}?stop=True`, { user: 'demo' })).status).toBe(
      204,
    );
    await stack.waitFor(String(c.uuid), (v) => v.gone === true, 30_000, 'demo');
    return { c, deletedAt };
  };

  it('keeps an unused network for the idle timeout, reuses it meanwhile, then removes it', async () => {
    const { c: first } = await runThenDelete('idle-1');
    const netName = `zun-${String(first.project_id)}-keep`;
    const { Id: netId } = await stack.docker.getNetwork(netName).inspect();

    // The next container of the project, within the idle time, lands on the same bridge.
    // The agent starts the idle clock once the container has left the network, which is after
    // the DELETE was sent but may be well before the test sees the row gone on a loaded machine:
    // measured from the DELETE, the lower bound below holds without any slack.
    const { deletedAt: unusedSince } = await runThenDelete('idle-2');
    expect((await stack.docker.getNetwork(netName).inspect()).Id).toBe(netId);

    // Nothing uses it now: a reconcile removes it once it has been idle long enough, not before.
    let goneAt = 0;
    while (Date.now() - unusedSince < 30_000) {
      const found = await stack.docker
        .getNetwork(netName)
        .inspect()
        .then(
          () => true,
          (err: { statusCode?: number }) => (err.statusCode === 404 ? false : Promise.reject(err)),
        );
      if (!found) {
        goneAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(goneAt).toBeGreaterThan(0);
    expect(goneAt - unusedSince).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000);
  });
});
