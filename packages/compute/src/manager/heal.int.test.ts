import { rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { QueryTypes } from 'sequelize';
import type Docker from 'dockerode';
import { LABEL_UUID } from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../../test/support/stack';

type View = Record<string, unknown>;
type Mount = Docker.ContainerInspectInfo['Mounts'][number];

/**
 * A container made again without its predecessor (auto_heal, rebuild of a vanished one) keeps
 * its mounts: the plan stored on the row at create, checked in the engine itself.
 */
describe('recreated containers keep their mounts (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  let stack: TestStack;
  const conf = Buffer.from('listen=8080\n').toString('base64');

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    await stack.startApi();
    await stack.startAgent();
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  const run = async (body: View): Promise<string> => {
    const r = await stack.call<View>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, command: ['sleep', '300'], ...body },
    });
    expect(r.status).toBe(202);
    const uuid = String(r.body.uuid);
    await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    return uuid;
  };
  const inspectOf = async (uuid: string): Promise<Docker.ContainerInspectInfo | null> => {
    const [c] = (await stack.engineContainers()).filter((d) => d.Labels[LABEL_UUID] === uuid);
    return c ? stack.docker.getContainer(c.Id).inspect() : null;
  };
  /** Waits for a running Docker container of `uuid` other than `oldId`. */
  const replacement = async (uuid: string, oldId: string): Promise<Docker.ContainerInspectInfo> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const info = await inspectOf(uuid).catch(() => null);
      if (info && info.Id !== oldId && info.State.Running) return info;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no new running container for ${uuid}; agent: ${stack.agentOutput.slice(-2000)}`);
  };
  const exec = async (id: string, script: string): Promise<string> => {
    const e = await stack.docker
      .getContainer(id)
      .exec({ Cmd: ['sh', '-c', script], AttachStdout: true, AttachStderr: true });
    const stream = await e.start({ hijack: true, stdin: false });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    stack.docker.modem.demuxStream(stream, out, out);
    await new Promise((r) => stream.on('end', r));
    return Buffer.concat(chunks).toString();
  };
  /** What a mount is, independent of the container it belongs to. */
  const shape = (mounts: Mount[]) =>
    mounts
      .map((m) => ({ type: m.Type, name: m.Name ?? null, source: m.Source, to: m.Destination, rw: m.RW }))
      .sort((a, b) => a.to.localeCompare(b.to));

  it('auto_heal brings back a named volume with its data and the injected file', async () => {
    const uuid = await run({
      auto_heal: true,
      mounts: [
        { source: 'healdata', destination: '/data' },
        { type: 'bind', source: conf, destination: '/etc/app.conf' },
      ],
    });
    const first = (await inspectOf(uuid))!;
    expect(await exec(first.Id, 'echo survived > /data/f && cat /data/f')).toBe('survived\n');
    const [row] = await db.sequelize.query<{ mounts: View[] }>(
      'SELECT mounts FROM containers WHERE uuid = :uuid',
      {
        replacements: { uuid },
        type: QueryTypes.SELECT,
      },
    );
    expect(row.mounts).toEqual([
      expect.objectContaining({ type: 'volume', name: 'healdata', destination: '/data' }),
      expect.objectContaining({ type: 'bind', content: conf, destination: '/etc/app.conf' }),
    ]);

    await stack.docker.getContainer(first.Id).remove({ force: true });
    const healed = await replacement(uuid, first.Id);
    expect(shape(healed.Mounts)).toEqual(shape(first.Mounts));
    expect(shape(healed.Mounts)).toEqual([
      expect.objectContaining({
        type: 'volume',
        name: `zun-${String(first.Config.Labels['org.openstack.zun.project'])}-healdata`,
        to: '/data',
        rw: true,
      }),
      expect.objectContaining({
        type: 'bind',
        source: path.join(stack.statePath, 'injected', uuid, '1'),
        to: '/etc/app.conf',
        rw: false,
      }),
    ]);
    expect(await exec(healed.Id, 'cat /data/f /etc/app.conf')).toBe('survived\nlisten=8080\n');
    const view = await stack.waitFor(uuid, (c) => c.status === 'Running' && c.task_state === null);
    expect(view.status_reason).toBeNull();
  });

  it('auto_heal reuses a sized volume that is still there and recreates one that vanished too', async () => {
    const uuid = await run({
      auto_heal: true,
      mounts: [
        { size: 2, destination: '/scratch' },
        { type: 'bind', source: conf, destination: '/etc/app.conf' },
      ],
    });
    const first = (await inspectOf(uuid))!;
    const volume = first.Mounts.find((m) => m.Destination === '/scratch')!.Name!;
    await exec(first.Id, 'echo scratch-data > /scratch/f');

    // Only the container went: the same volume, with its data.
    await stack.docker.getContainer(first.Id).remove({ force: true });
    const healed = await replacement(uuid, first.Id);
    expect(shape(healed.Mounts)).toEqual(shape(first.Mounts));
    expect(await exec(healed.Id, 'cat /scratch/f')).toBe('scratch-data\n');

    // The container, its volume and its injected file all went while the agent was down: the
    // reconcile at start up heals it with a new, empty volume of the same name, size and
    // labels, and writes the file again from the stored content.
    await stack.stopAgent();
    await stack.docker.getContainer(healed.Id).remove({ force: true });
    await stack.docker.getVolume(volume).remove();
    await rm(path.join(stack.statePath, 'injected', uuid), { recursive: true, force: true });
    await stack.startAgent();
    const again = await replacement(uuid, healed.Id);
    expect(shape(again.Mounts)).toEqual(shape(first.Mounts));
    expect(await exec(again.Id, 'ls -A /scratch; cat /etc/app.conf')).toBe('listen=8080\n');
    const v = await stack.docker.getVolume(volume).inspect();
    expect(v.Labels).toMatchObject({
      'org.openstack.zun.managed': 'true',
      'org.openstack.zun.uuid': uuid,
      'org.openstack.zun.host': stack.host,
      'org.openstack.zun.size_gib': '2',
    });

    // Still a volume that goes with its container.
    expect((await stack.call('POST', `/v1/containers/${uuid}/stop`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Stopped' && c.task_state === null);
    expect((await stack.call('DELETE', `/v1/containers/${uuid}`)).status).toBe(204);
    await stack.waitFor(uuid, (c) => c.gone === true);
    await expect(stack.docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('rebuild of a container whose Docker container vanished uses the stored mounts', async () => {
    const uuid = await run({
      mounts: [
        { source: 'rebuilt', destination: '/data' },
        { type: 'bind', source: conf, destination: '/etc/app.conf' },
      ],
    });
    const first = (await inspectOf(uuid))!;
    await exec(first.Id, 'echo before-rebuild > /data/f');
    await stack.docker.getContainer(first.Id).remove({ force: true });
    await stack.waitFor(uuid, (c) => c.status === 'Error');

    // A rebuild from Error makes the container and leaves it Created; the start is ours.
    expect((await stack.call('POST', `/v1/containers/${uuid}/rebuild`)).status).toBe(202);
    await stack.waitFor(uuid, (c) => c.status === 'Created' && c.task_state === null);
    expect((await stack.call('POST', `/v1/containers/${uuid}/start`)).status).toBe(202);
    const rebuilt = await replacement(uuid, first.Id);
    expect(shape(rebuilt.Mounts)).toEqual(shape(first.Mounts));
    expect(await exec(rebuilt.Id, 'cat /data/f /etc/app.conf')).toBe('before-rebuild\nlisten=8080\n');
  });
});
