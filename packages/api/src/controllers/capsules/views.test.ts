import { CONTAINER_TYPE, Container, openDatabase, type ContainerStatus } from '@zun/common';
import { ApiVersion } from '../../api-version';
import type { RequestContext } from '../../identity/context';
import { containerView } from '../containers/views';
import { capsuleView, type CapsuleViewContext } from './views';

// Rows are built with the real model (defaults included) but never saved: nothing connects.
const db = openDatabase('postgres://nobody@127.0.0.1:1/none');
afterAll(() => db.close());

const BASE = 'http://h:9517';
const SANDBOX = 'a4bad62a-f3ba-4b14-b2ab-2af470a2f32c';
const created = new Date('2019-05-18T21:02:12.304Z');

function context(isAdmin: boolean): RequestContext {
  return {
    userId: 'user-id',
    userName: isAdmin ? 'admin' : 'demo',
    projectId: 'project-id',
    projectName: 'demo',
    domainId: 'default',
    roles: isAdmin ? ['admin', 'member', 'reader'] : ['member', 'reader'],
    isAdmin,
    tokenExpiresAt: new Date('2100-01-01T00:00:00Z'),
  };
}
const ctx = (isAdmin: boolean, version: string): CapsuleViewContext => ({
  request: context(isAdmin),
  version: ApiVersion.parse(version),
  base: BASE,
});

function row(fields: Partial<Container> & { uuid: string }): Container {
  return Container.build({
    name: null,
    project_id: 'project-id',
    user_id: 'user-id',
    image: 'busybox',
    command: null,
    entrypoint: null,
    status: 'Creating' as ContainerStatus,
    cpu: null,
    memory: null,
    environment: null,
    workdir: null,
    hostname: null,
    labels: null,
    image_pull_policy: null,
    restart_policy: null,
    image_driver: null,
    runtime: null,
    created_at: created,
    updated_at: created,
    host: 'node-1',
    ...fields,
  });
}

const sandbox = row({
  uuid: SANDBOX,
  name: 'demo',
  image: 'kubernetes/pause',
  container_type: CONTAINER_TYPE.capsule,
  labels: { app: 'web' },
  annotations: { key1: 'value1' },
  restart_policy: { MaximumRetryCount: '0', Name: 'always' },
  cpu: 0.5,
  memory: '512',
});
const member = (uuid: string, name: string, type: number) =>
  row({
    uuid,
    name,
    image: 'nginx',
    container_type: type as Container['container_type'],
    capsule_id: SANDBOX,
    image_pull_policy: 'ifnotpresent',
    restart_policy: { MaximumRetryCount: '10', Name: 'on-failure' },
    cpu: 0.5,
    memory: '512',
  });
const members = [
  member('6df062d2-0000-4000-8000-000000000001', 'capsule-demo-pi-9', CONTAINER_TYPE.capsuleMember),
  member('6df062d2-0000-4000-8000-000000000002', 'capsule-demo-rho-10', CONTAINER_TYPE.capsuleMember),
];
const inits = [
  member('6df062d2-0000-4000-8000-000000000003', 'capsule-demo-nu-2', CONTAINER_TYPE.capsuleInit),
];

const LINKS = [
  { href: `${BASE}/v1/capsules/${SANDBOX}`, rel: 'self' },
  { href: `${BASE}/capsules/${SANDBOX}`, rel: 'bookmark' },
];

describe('capsuleView from 1.32', () => {
  it('shows the sandbox as the capsule, with its members and init containers', () => {
    expect(capsuleView(sandbox, members, inits, ctx(false, '1.40'))).toEqual({
      uuid: SANDBOX,
      links: LINKS,
      name: 'demo',
      labels: { app: 'web' },
      annotations: { key1: 'value1' },
      status: 'Creating',
      status_reason: null,
      restart_policy: { MaximumRetryCount: '0', Name: 'always' },
      cpu: 0.5,
      memory: '512',
      addresses: null,
      user_id: 'user-id',
      project_id: 'project-id',
      created_at: '2019-05-18 21:02:12.304000',
      updated_at: '2019-05-18 21:02:12.304000',
      containers: members.map((m) => containerView(m, context(false), null)),
      init_containers: inits.map((m) => containerView(m, context(false), null)),
    });
  });

  it('renders members as containers without links and without admin-only fields for others', () => {
    const view = capsuleView(sandbox, members, inits, ctx(false, '1.32'));
    const shown = [
      ...(view.containers as Record<string, unknown>[]),
      ...(view.init_containers as Record<string, unknown>[]),
    ];
    expect(shown.map((m) => m.name)).toEqual([
      'capsule-demo-pi-9',
      'capsule-demo-rho-10',
      'capsule-demo-nu-2',
    ]);
    for (const m of shown) {
      expect(m).not.toHaveProperty('links');
      expect(m).not.toHaveProperty('host');
      expect(m).not.toHaveProperty('image_pull_policy');
      expect(m).toMatchObject({
        status: 'Creating',
        restart_policy: { Name: 'on-failure', MaximumRetryCount: '10' },
      });
    }
  });

  it("shows the host, the capsule's and its members', to admins only", () => {
    const view = capsuleView(sandbox, members, inits, ctx(true, '1.32'));
    expect(view.host).toBe('node-1');
    expect((view.containers as Record<string, unknown>[])[0]).toMatchObject({
      host: 'node-1',
      image_pull_policy: 'ifnotpresent',
    });
    expect(capsuleView(sandbox, members, inits, ctx(false, '1.32'))).not.toHaveProperty('host');
  });

  it('shows the addresses of the sandbox once it has some', () => {
    const addresses = { default: [{ addr: '172.18.0.2', version: 4, port: null }] };
    const running = row({ uuid: SANDBOX, status: 'Running' as ContainerStatus, addresses });
    expect(capsuleView(running, [], [], ctx(false, '1.32'))).toMatchObject({ status: 'Running', addresses });
  });
});

describe('capsuleView up to 1.31', () => {
  it('uses the legacy names, the policy name and the constant keys', () => {
    const view = capsuleView(sandbox, members, inits, ctx(false, '1.31'));
    expect(view).toMatchObject({
      uuid: SANDBOX,
      links: LINKS,
      meta_name: 'demo',
      meta_labels: { app: 'web' },
      annotations: { key1: 'value1' },
      restart_policy: 'always',
      volumes_info: {},
      containers_uuids: [],
      init_containers_uuids: [],
      capsule_version: '',
    });
    expect(view).not.toHaveProperty('name');
    expect(view).not.toHaveProperty('labels');
    expect(view).not.toHaveProperty('host');
    expect((view.containers as unknown[]).length).toBe(2);
    expect((view.init_containers as unknown[]).length).toBe(1);
  });

  it('has exactly the keys of the current view, renamed, plus the constant ones', () => {
    const current = Object.keys(capsuleView(sandbox, members, inits, ctx(true, '1.32')));
    const legacy = Object.keys(capsuleView(sandbox, members, inits, ctx(true, '1.1')));
    const renamed = current.map((k) => (k === 'name' ? 'meta_name' : k === 'labels' ? 'meta_labels' : k));
    expect(legacy.sort()).toEqual(
      [...renamed, 'volumes_info', 'containers_uuids', 'init_containers_uuids', 'capsule_version'].sort(),
    );
  });
});
