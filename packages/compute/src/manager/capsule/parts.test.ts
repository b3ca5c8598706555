import { CONTAINER_TYPE, LABEL_CAPSULE, LABEL_UUID, type Container } from '@zun/common';
import type { ManagerContext } from '../context';
import { partSpec, sandboxSpec } from './parts';

const ctx = { host: 'h1', tracker: { cpusetFor: () => null } } as unknown as ManagerContext;

const row = (fields: Partial<Container>): Container =>
  ({
    uuid: 'u',
    project_id: 'p',
    command: null,
    entrypoint: null,
    environment: null,
    workdir: null,
    labels: null,
    tty: false,
    interactive: false,
    hostname: null,
    memory: null,
    cpu: null,
    restart_policy: null,
    auto_remove: false,
    runtime: null,
    privileged: false,
    exposed_ports: null,
    healthcheck: null,
    disk: 0,
    ...fields,
  }) as Container;

describe('capsule container specs', () => {
  const capsule = row({ uuid: 'cap', labels: { app: 'web' } });

  it("the sandbox publishes every member's ports, shares its IPC and has no limits or restart policy", () => {
    const members = [
      row({ uuid: 'a', exposed_ports: { '8080/tcp': {} } }),
      row({ uuid: 'b', exposed_ports: { '53/udp': {}, '8080/tcp': {} } }),
    ];
    const spec = sandboxSpec(ctx, capsule, 'reg/sandbox:latest', 'net-id', members);
    expect(spec).toMatchObject({
      name: 'zun-cap',
      exposedPorts: ['53/udp', '8080/tcp'],
      ipcMode: 'shareable',
      network: 'net-id',
      memoryMiB: null,
      cpu: null,
      restartPolicy: null,
    });
    expect(spec.labels).toMatchObject({ app: 'web', [LABEL_UUID]: 'cap', [LABEL_CAPSULE]: 'cap' });
  });

  it('a member joins the sandbox with its own limits and restart policy, and publishes nothing', () => {
    const member = row({
      uuid: 'm',
      container_type: CONTAINER_TYPE.capsuleMember,
      memory: '64',
      cpu: 0.5,
      hostname: 'ignored',
      exposed_ports: { '80/tcp': {} },
      restart_policy: { Name: 'on-failure', MaximumRetryCount: '3' },
    });
    const spec = partSpec(ctx, capsule, member, 'busybox', 'sandbox-id', []);
    expect(spec).toMatchObject({
      name: 'zun-m',
      joinContainer: 'sandbox-id',
      network: null,
      hostname: null,
      exposedPorts: [],
      memoryMiB: 64,
      cpu: 0.5,
      restartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
    });
    expect(spec.labels).toMatchObject({ [LABEL_UUID]: 'm', [LABEL_CAPSULE]: 'cap' });
  });

  it('an init container runs once: no restart policy', () => {
    const init = row({
      uuid: 'i',
      container_type: CONTAINER_TYPE.capsuleInit,
      restart_policy: { Name: 'on-failure', MaximumRetryCount: '10' },
    });
    expect(partSpec(ctx, capsule, init, 'busybox', 'sandbox-id', []).restartPolicy).toBeNull();
  });
});
