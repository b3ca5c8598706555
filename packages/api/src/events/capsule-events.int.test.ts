import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { EventStreamClient } from '../../../../test/support/event-stream';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;

const template = (name: string): View => ({
  kind: 'capsule',
  metadata: { name },
  spec: {
    containers: [{ image: BUSYBOX, command: ['sleep', '600'], resources: { requests: { memory: 16 } } }],
  },
});

/**
 * GET /v1/capsules/events: the same NOTIFY hub as the containers' stream, carrying whole
 * capsules when a sandbox or any of its parts changes, scoped to the caller's project.
 */
describe('GET /v1/capsules/events (server-sent events fed by PostgreSQL NOTIFY)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const streams: EventStreamClient[] = [];
  const open = async (user: 'admin' | 'demo', qs = ''): Promise<EventStreamClient> => {
    const s = await EventStreamClient.open(
      `${stack.api.url}/v1/capsules/events${qs}`,
      await stack.token(user),
    );
    streams.push(s);
    if (s.status === 200) await s.waitFor((e) => e.event === 'ready', 5_000);
    return s;
  };
  const write = async (q: string, params: unknown[]): Promise<void> => {
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query(q, params);
    await sql.end();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
  }, 60_000);
  afterAll(async () => {
    for (const s of streams) s.close();
    await new Promise((r) => setTimeout(r, 1000));
    await stack?.stop();
    await db?.drop();
  }, 60_000);

  it('is refused without a token', async () => {
    expect((await fetch(`${stack.api.url}/v1/capsules/events`)).status).toBe(401);
  });

  it("streams the caller's capsules whole, from creation to Running, a member's change, and removal; never another project's", async () => {
    const demo = await open('demo');
    const admin = await open('admin');
    const adminAll = await open('admin', '?all_projects=True');
    // all_projects means nothing to a member (as for the list): their own project still.
    const demoAll = await open('demo', '?all_projects=True');

    const created = await stack.call<View>('POST', '/v1/capsules/', {
      user: 'demo',
      body: { template: template('streamed-pod') },
    });
    expect(created.status).toBe(202);
    const uuid = String(created.body.uuid);
    const first = await demo.waitFor((e) => e.event === 'capsule' && e.data.uuid === uuid);
    expect(first.data.name).toBe('streamed-pod');
    expect(first.data.containers).toHaveLength(1);
    // Admin-only fields stay hidden from a member, as in GET.
    expect(first.data).not.toHaveProperty('host');
    await demo.waitFor((e) => e.event === 'capsule' && e.data.uuid === uuid && e.data.status === 'Running');
    await adminAll.waitFor((e) => e.event === 'capsule' && e.data.uuid === uuid && 'host' in e.data);
    await demoAll.waitFor((e) => e.event === 'capsule' && e.data.uuid === uuid);

    // A change of a member alone (as the agent's event handler writes it) sends its capsule.
    const member = (first.data.containers as View[])[0];
    const wrote = Date.now();
    await write("UPDATE containers SET status_detail = 'member by hand' WHERE uuid = $1", [member.uuid]);
    const seen = await demo.waitFor(
      (e) =>
        e.event === 'capsule' &&
        e.data.uuid === uuid &&
        (e.data.containers as View[])[0].status_detail === 'member by hand',
    );
    expect(seen.at - wrote).toBeLessThan(1_000);

    const del = await stack.call('DELETE', `/v1/capsules/${uuid}`, { user: 'demo' });
    expect(del.status).toBe(204);
    await demo.waitFor((e) => e.event === 'removed' && e.data.uuid === uuid);
    await adminAll.waitFor((e) => e.event === 'removed' && e.data.uuid === uuid);
    // The admin's own-project stream never saw the member's capsule.
    expect(admin.events.some((e) => e.data.uuid === uuid)).toBe(false);
  });

  it('carries no plain containers, and the containers stream carries no capsules', async () => {
    const capsules = await open('demo');
    const containers = await EventStreamClient.open(
      `${stack.api.url}/v1/containers/events`,
      await stack.token('demo'),
    );
    streams.push(containers);
    await containers.waitFor((e) => e.event === 'ready', 5_000);
    const plain = await stack.runSleeper();
    await containers.waitFor((e) => e.event === 'container' && e.data.uuid === plain);
    const pod = await stack.call<View>('POST', '/v1/capsules/', {
      user: 'demo',
      body: { template: template('quiet-pod') },
    });
    const podUuid = String(pod.body.uuid);
    await capsules.waitFor((e) => e.event === 'capsule' && e.data.uuid === podUuid);
    await stack.call('DELETE', `/v1/containers/${plain}?force=True`, { user: 'admin' });
    await containers.waitFor((e) => e.event === 'removed' && e.data.uuid === plain);
    await stack.call('DELETE', `/v1/capsules/${podUuid}`, { user: 'demo' });
    await capsules.waitFor((e) => e.event === 'removed' && e.data.uuid === podUuid);
    expect(capsules.events.some((e) => e.data.uuid === plain)).toBe(false);
    const parts = [podUuid, ...((pod.body.containers as View[]) ?? []).map((m) => m.uuid)];
    expect(containers.events.some((e) => parts.includes(e.data.uuid))).toBe(false);
  });
});
