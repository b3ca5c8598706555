import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { LABEL_CAPSULE } from '@zun/common';
import { AioStack, BUSYBOX, type CliResult } from '../../../test/support/aio-stack';
import { runCli } from '../../../test/support/cli';

type View = Record<string, unknown>;

// The init container writes into the shared sized volume; member A serves that volume on port
// 8080 and member B, which has no volume, reaches A on localhost (they share one network).
const YAML = `capsuleVersion: beta
kind: capsule
metadata:
  name: yaml-pod
  labels: {app: web}
spec:
  restartPolicy: Always
  initContainers:
  - image: ${BUSYBOX}
    command: [sh, -c, "echo ready > /work/flag"]
    volumeMounts:
    - {name: work, mountPath: /work}
  containers:
  - image: ${BUSYBOX}
    command: [httpd, -f, -p, "8080", -h, /work]
    ports:
    - {containerPort: 8080, protocol: TCP}
    resources:
      requests: {memory: 16}
    volumeMounts:
    - {name: work, mountPath: /work}
  - image: ${BUSYBOX}
    command: [sleep, "600"]
    resources:
      requests: {memory: 16}
  volumes:
  - name: work
    cinder: {size: 1, autoRemove: true}
`;

const json = (name: string) =>
  JSON.stringify({
    kind: 'capsule',
    metadata: { name },
    spec: {
      containers: [{ image: BUSYBOX, command: ['sleep', '600'], resources: { requests: { memory: 16 } } }],
    },
  });

/**
 * Capsules through the real CLIs against `npm start`'s stack: `zun capsule-create -f` with a YAML
 * and a JSON file, capsule-list/describe/delete, and the same through `openstack capsule ...`
 * (python-zunclient's OSC plugin).
 */
describe('zun CLI: capsules (all-in-one stack)', () => {
  const stack = new AioStack({ host: 'e2e-capsules' });
  const zun = (...args: (string | { demo: boolean })[]) => stack.zun(...args);
  const openstack = (...args: string[]): Promise<CliResult> => runCli('openstack', args, stack.env);
  const describeCapsule = async (ident: string, version?: string): Promise<View> => {
    const r = await zun(
      ...(version ? ['--zun-api-version', version] : []),
      'capsule-describe',
      ident,
      '-f',
      'json',
    );
    if (r.code !== 0) throw new Error(`capsule-describe ${ident}: ${r.err}${r.out}`);
    return JSON.parse(r.out) as View;
  };
  // Waits poll the REST API (each look through the CLI costs about a second of CPU); the final
  // state is read once with the real CLI.
  const waitCapsule = async (ident: string, status: string): Promise<View> => {
    const deadline = Date.now() + 90_000;
    let last: unknown = null;
    while (Date.now() < deadline) {
      const r = await stack.api(`/v1/capsules/${encodeURIComponent(ident)}`);
      last = r.body;
      const view = r.body as View;
      if (r.status === 200 && view.status === status && !view.task_state) {
        const shown = await describeCapsule(ident);
        if (shown.status === status) return shown;
      }
      if (r.status === 200 && view.status === 'Error' && status !== 'Error') break;
      await new Promise((res) => setTimeout(res, 300));
    }
    throw new Error(`capsule ${ident} never reached ${status}: ${JSON.stringify(last)}`);
  };
  const waitGone = async (ident: string): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if ((await stack.api(`/v1/capsules/${encodeURIComponent(ident)}`)).status === 404) {
        expect((await zun('capsule-describe', ident)).code).not.toBe(0);
        return;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`capsule ${ident} still there`);
  };
  /** The memory the host's claims hold, as `zun host-show` reports it. */
  const memUsed = async (): Promise<number> => {
    const r = await zun('host-show', stack.host, '-f', 'json');
    if (r.code !== 0) throw new Error(`host-show: ${r.err}${r.out}`);
    return Number((JSON.parse(r.out) as View).mem_used ?? 0);
  };

  beforeAll(async () => {
    await stack.removeContainers();
    await stack.start();
  }, 200_000);
  afterAll(async () => {
    await stack.destroy();
  });

  it('capsule-create -f YAML: shared volume and localhost, list and describe per microversion, delete leaves nothing', async () => {
    const memBefore = await memUsed();
    const file = path.join(stack.state, 'pod.yaml');
    writeFileSync(file, YAML);
    const created = await zun('capsule-create', '-f', file);
    expect([created.code, created.out.trim()]).toEqual([0, 'Request to create capsule has been accepted.']);

    const running = await waitCapsule('yaml-pod', 'Running');
    const uuid = String(running.uuid);
    expect(running).toMatchObject({ name: 'yaml-pod', labels: { app: 'web' } });
    const members = running.containers as View[];
    const inits = running.init_containers as View[];
    expect(members.map((m) => m.status)).toEqual(['Running', 'Running']);
    expect(inits).toHaveLength(1);
    const [a, b] = members.map((m) => String(m.uuid));
    // One claim for the capsule: the members' requests, summed.
    expect(await memUsed()).toBe(memBefore + 32);

    // What the init container wrote, read by member A through the shared volume...
    expect((await zun('exec', a, 'cat', '/work/flag')).out).toContain('ready');
    // ... and served by A on a port, which B reaches on localhost.
    let fetched: CliResult = { code: 1, out: '', err: '' };
    for (let i = 0; i < 20 && !fetched.out.includes('ready'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 500));
      fetched = await zun('exec', b, 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/flag');
    }
    expect(fetched.out).toContain('ready');
    // B has no volume: it has the file only through A.
    expect((await zun('exec', b, 'cat', '/work/flag')).out).not.toContain('ready');

    const legacy = await describeCapsule('yaml-pod', '1.31');
    expect(legacy).toMatchObject({ meta_name: 'yaml-pod', restart_policy: 'always', uuid });
    expect(legacy).not.toHaveProperty('name');

    const list = await zun('capsule-list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${uuid}\\s*\\|\\s*yaml-pod\\s*\\|\\s*Running`));
    // Up to 1.31 a capsule has no `name` (it is `meta_name`): the client's name column is empty.
    const legacyList = await zun('--zun-api-version', '1.31', 'capsule-list');
    expect(legacyList.code).toBe(0);
    expect(legacyList.out).toMatch(new RegExp(`${uuid}\\s*\\|\\s*(None)?\\s*\\|\\s*Running`));
    // Members are not containers to `zun list`, but `zun logs`/`exec` reach them by uuid.
    expect((await zun('list')).out).not.toContain(a);
    const stop = await zun('stop', a);
    expect(stop.out + stop.err).toContain('is part of capsule yaml-pod');

    const demoList = await zun('capsule-list', { demo: true });
    expect(demoList.out).not.toContain('yaml-pod');
    expect((await zun('capsule-list', '--all-projects')).out).toContain('yaml-pod');

    const deleted = await zun('capsule-delete', 'yaml-pod');
    expect(deleted.out).toContain('Request to delete capsule yaml-pod has been accepted.');
    await waitGone(uuid);
    // No engine container, volume, claim or row is left.
    expect(
      await stack.docker.listContainers({ all: true, filters: { label: [`${LABEL_CAPSULE}=${uuid}`] } }),
    ).toEqual([]);
    expect(
      (await stack.docker.listVolumes({ filters: { label: [`${LABEL_CAPSULE}=${uuid}`] } })).Volumes ?? [],
    ).toEqual([]);
    expect(await memUsed()).toBe(memBefore);
    for (const part of [a, b, String(inits[0].uuid)]) expect((await zun('show', part)).code).not.toBe(0);
  }, 240_000);

  it('capsule-create -f JSON; openstack capsule create/list/show/delete', async () => {
    const file = path.join(stack.state, 'pod.json');
    writeFileSync(file, json('json-pod'));
    expect((await zun('capsule-create', '-f', file)).code).toBe(0);
    await waitCapsule('json-pod', 'Running');

    const osFile = path.join(stack.state, 'os-pod.json');
    writeFileSync(osFile, json('os-pod'));
    const created = await openstack('capsule', 'create', '--file', osFile, '-f', 'json');
    expect(created.code).toBe(0);
    await waitCapsule('os-pod', 'Running');
    const listed = await openstack('capsule', 'list', '-f', 'json');
    expect(listed.code).toBe(0);
    const names = (JSON.parse(listed.out) as View[]).map((c) => c.name ?? c.Name);
    expect(names).toEqual(expect.arrayContaining(['json-pod', 'os-pod']));
    const shown = await openstack('capsule', 'show', 'os-pod', '-f', 'json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({ name: 'os-pod', status: 'Running' });

    expect((await openstack('capsule', 'delete', 'os-pod')).code).toBe(0);
    expect((await zun('capsule-delete', 'json-pod')).code).toBe(0);
    await waitGone('os-pod');
    await waitGone('json-pod');
  }, 240_000);
});
