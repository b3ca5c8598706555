import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AioStack, BUSYBOX } from '../../../test/support/aio-stack';
import { dockerExec } from '../../../test/support/exec';

type View = Record<string, unknown>;
type Addresses = Record<string, { addr: string }[]>;

/** A server answering "hi" on TCP 8080, running until stopped. */
const SERVER = [BUSYBOX, 'nc', '-ll', '-p', '8080', '-e', 'echo', 'hi'];

/**
 * Networks, mounts and security groups through the real `zun` CLI against `npm start`'s stack:
 * `zun run --net/--mount/--security-group`, network-list/attach/detach, checked in Docker.
 */
describe('zun CLI: networks, mounts, security groups (all-in-one stack)', () => {
  const stack = new AioStack({
    host: 'e2e-net',
    ports: {
      api: process.env.ZUN_E2E_API_PORT,
      agent: process.env.ZUN_E2E_AGENT_PORT,
      pg: process.env.ZUN_E2E_PG_PORT,
    },
  });
  const files = mkdtempSync(path.join(tmpdir(), 'zun-e2e-files-'));
  const zun = (...args: (string | { demo: boolean })[]) => stack.zun(...args);
  const engineName = (v: View) => `zun-${String(v.uuid)}`;
  const ipOn = (v: View, net: string) => (v.addresses as Addresses)[net][0].addr;
  const running = async (name: string, demo = false): Promise<View> => {
    const v = await stack.waitStatus(name, 'Running', 30_000, demo);
    for (let i = 0; i < 50 && !Object.keys(v.addresses as object).length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      Object.assign(v, await stack.show(name, demo));
    }
    return v;
  };
  const reaches = async (from: View, ip: string): Promise<boolean> => {
    const ping = await dockerExec(stack.docker, engineName(from), ['ping', '-c1', '-W1', ip]);
    const tcp = await dockerExec(stack.docker, engineName(from), ['nc', '-w', '2', ip, '8080']);
    expect(ping.exitCode === 0).toBe(tcp.output.includes('hi'));
    return ping.exitCode === 0;
  };

  beforeAll(async () => {
    await stack.removeContainers();
    await stack.removeNetworksAndVolumes();
    await stack.start();
  }, 200_000);

  afterAll(async () => {
    await stack.destroy();
    rmSync(files, { recursive: true, force: true });
  });

  it('zun run --net: one project reaches its own containers, never another project', async () => {
    expect((await zun('run', '--name', 'net-a1', '--net', 'network=front', ...SERVER)).code).toBe(0);
    expect((await zun('run', '--name', 'net-a2', '--net', 'network=front', ...SERVER)).code).toBe(0);
    expect(
      (await zun('run', '--name', 'net-b1', '--net', 'network=front', ...SERVER, { demo: true })).code,
    ).toBe(0);
    const [a1, a2, b1] = await Promise.all([running('net-a1'), running('net-a2'), running('net-b1', true)]);
    expect(Object.keys(a1.addresses as object)).toEqual(['front']);
    expect(a1.security_groups).toEqual(['default']);

    // The table view prints addresses and networks the way the client formats them.
    const table = await zun('show', 'net-a1');
    expect(table.out).toMatch(
      new RegExp(`\\|\\s*addresses\\s*\\|\\s*${ipOn(a1, 'front').replace(/\./g, '\\.')}\\s*\\|`),
    );
    expect(table.out).toMatch(/\|\s*networks\s*\|\s*front\s*\|/);
    const list = await zun('list');
    expect(list.out).toMatch(new RegExp(`net-a1[^\\n]*${ipOn(a1, 'front').replace(/\./g, '\\.')}`));

    expect(await reaches(a1, ipOn(a2, 'front'))).toBe(true);
    expect(await reaches(a1, ipOn(b1, 'front'))).toBe(false);
    expect(await reaches(b1, ipOn(a2, 'front'))).toBe(false);

    const bad = await zun('run', '--net', 'port=some-port', BUSYBOX, 'true');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('no Neutron ports');
  });

  it('network-list / network-attach / network-detach', async () => {
    const a1 = await stack.show('net-a1');
    const nl = await zun('network-list', 'net-a1');
    expect(nl.code).toBe(0);
    expect(nl.out).toMatch(
      new RegExp(`\\|\\s*front\\s*\\|[^\\n]*\\|\\s*${ipOn(a1, 'front').replace(/\./g, '\\.')}\\s*\\|`),
    );

    const att = await zun('network-attach', '--network', 'back', 'net-a1');
    expect(att.out).toContain('Request to attach network to container net-a1 has been accepted');
    let v = a1;
    for (let i = 0; i < 100 && !('back' in (v.addresses as object)); i++) {
      await new Promise((r) => setTimeout(r, 200));
      v = await stack.show('net-a1');
    }
    const nets = Object.keys((await stack.engine('net-a1')).NetworkSettings.Networks).sort();
    expect(nets).toEqual([`zun-${String(a1.project_id)}-back`, `zun-${String(a1.project_id)}-front`]);
    expect((await zun('network-list', 'net-a1')).out).toMatch(/\|\s*back\s*\|/);

    const again = await zun('network-attach', '--network', 'back', 'net-a1');
    expect(again.out).toContain('failed');

    const det = await zun('network-detach', '--network', 'back', 'net-a1');
    expect(det.out).toContain('Request to detach network from container net-a1 has been accepted');
    for (let i = 0; i < 100 && 'back' in (v.addresses as object); i++) {
      await new Promise((r) => setTimeout(r, 200));
      v = await stack.show('net-a1');
    }
    expect(Object.keys((await stack.engine('net-a1')).NetworkSettings.Networks)).toEqual([
      `zun-${String(a1.project_id)}-front`,
    ]);
    // Nothing uses "back" any more: its Docker network is gone.
    await expect(
      stack.docker.getNetwork(`zun-${String(a1.project_id)}-back`).inspect(),
    ).rejects.toMatchObject({
      statusCode: 404,
    });
    expect((await zun('network-detach', '--network', 'back', 'net-a1')).out).toContain('failed');
  });

  it('zun run --mount: volumes persist across containers, bind files are injected, host paths refused', async () => {
    const file = path.join(files, 'greeting.txt');
    writeFileSync(file, 'hello from a local file\n');
    const first = await zun(
      'run',
      '--name',
      'mnt-1',
      '--mount',
      'source=e2edata,destination=/data',
      '--mount',
      `type=bind,source=${file},destination=/etc/greeting.txt`,
      BUSYBOX,
      'sh',
      '-c',
      'cat /etc/greeting.txt; echo kept > /data/f',
    );
    expect(first.code).toBe(0);
    await stack.waitStatus('mnt-1', 'Stopped');
    expect((await zun('logs', 'mnt-1')).out).toContain('hello from a local file');
    expect((await zun('delete', 'mnt-1')).code).toBe(0);
    await stack.waitGone('mnt-1');

    expect(
      (
        await zun(
          'run',
          '--name',
          'mnt-2',
          '--mount',
          'source=e2edata,destination=/data',
          BUSYBOX,
          'cat',
          '/data/f',
        )
      ).code,
    ).toBe(0);
    await stack.waitStatus('mnt-2', 'Stopped');
    expect((await zun('logs', 'mnt-2')).out).toContain('kept');

    const before = (await stack.ours()).length;
    const host = await zun('run', '--mount', 'source=/etc,destination=/host-etc', BUSYBOX, 'true');
    expect(host.code).not.toBe(0);
    expect(host.err).toContain('host paths are never mountable');
    expect((await stack.ours()).length).toBe(before);
  });

  it('zun run --security-group: default is accepted, anything else is not found', async () => {
    const ok = await zun('create', '--name', 'sg-1', '--security-group', 'default', BUSYBOX, 'true');
    expect(ok.code).toBe(0);
    expect((await stack.waitStatus('sg-1', 'Created')).security_groups).toEqual(['default']);
    const bad = await zun('create', '--security-group', 'web', BUSYBOX, 'true');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('Security group web not found');
    // The verbs of 1.14 and before: the one group is always there and cannot be taken away. The
    // client prints the server's refusal (and exits 0 whatever happens).
    const add = await zun('--zun-api-version', '1.14', 'add-security-group', 'sg-1', 'default');
    expect(add.out).toMatch(
      /Add security group for container sg-1 failed: .*already added to container.*\(HTTP 400\)/,
    );
    const rm = await zun('--zun-api-version', '1.14', 'remove-security-group', 'sg-1', 'default');
    expect(rm.out).toMatch(/failed: .*cannot be removed from container.*\(HTTP 400\)/);
    const other = await zun('--zun-api-version', '1.14', 'add-security-group', 'sg-1', 'web');
    expect(other.out).toMatch(/failed: .*Security group web not found.*\(HTTP 400\)/);
  });
});
