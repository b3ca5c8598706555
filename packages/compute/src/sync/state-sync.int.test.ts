import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import {
  Container,
  ContainerStatus,
  createLogger,
  dockerName,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_UUID,
} from '@zun/common';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db';
import { BUSYBOX } from '../../../../test/support/stack';
import { DockerodeEngine, type EngineClient } from '../docker/engine';
import { ResourceTracker } from '../manager/claims';
import { StateSync } from './state-sync';

const SOCKET = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';

/**
 * The periodic reconcile against the real engine and PostgreSQL, for the orderings a busy host
 * produces: here a create that finishes between the reconcile's engine listing and its read of
 * the rows (seen after a database outage, when every parked task and the reconcile resume at once).
 */
describe('reconcile (real engine, real PostgreSQL)', () => {
  let db: TestDatabase;
  const docker = new Docker({ socketPath: SOCKET });
  const host = `sync-${randomUUID().slice(0, 8)}`;

  /** A running sleeper labelled as this host's container `uuid`, as the agent makes them. */
  async function startOurs(uuid: string): Promise<Docker.Container> {
    const made = await docker.createContainer({
      name: dockerName(uuid),
      Image: BUSYBOX,
      Cmd: ['sleep', '300'],
      Labels: { [LABEL_MANAGED]: 'true', [LABEL_HOST]: host, [LABEL_UUID]: uuid },
    });
    await made.start();
    return made;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    const ours = await docker.listContainers({ all: true, filters: { label: [`${LABEL_HOST}=${host}`] } });
    for (const c of ours) await docker.getContainer(c.Id).remove({ force: true });
    await db?.drop();
  });

  it('does not call a container that appeared after its listing "removed outside the service"', async () => {
    const uuid = randomUUID();
    const row = await Container.create({
      uuid,
      name: 'race',
      project_id: 'p',
      user_id: 'u',
      image: BUSYBOX,
      command: ['sleep', '300'],
      entrypoint: null,
      status: ContainerStatus.Creating,
      task_state: 'container_creating',
      cpu: null,
      memory: null,
      environment: null,
      workdir: null,
      hostname: null,
      labels: null,
      image_pull_policy: null,
      restart_policy: null,
      image_driver: 'docker',
      runtime: null,
      host,
    });
    const real = new DockerodeEngine(SOCKET);
    let finishCreate: (() => Promise<void>) | null = async () => {
      // What the agent's create and start do, landing right after the listing was taken.
      const made = await startOurs(uuid);
      await row.update({ container_id: made.id, status: ContainerStatus.Running, task_state: null });
    };
    const engine: EngineClient = Object.assign(Object.create(real) as EngineClient, {
      listContainers: async (labels: string[]) => {
        const listed = await real.listContainers(labels);
        const hook = finishCreate;
        finishCreate = null;
        if (hook) await hook();
        return listed;
      },
    });
    const logger = createLogger('zun-compute-test');
    const sync = new StateSync(engine, host, new ResourceTracker(db.sequelize, host), logger);
    const drift: string[] = [];
    sync.onDrift = (kind) => drift.push(kind);

    await sync.reconcile();

    await row.reload();
    expect({ status: row.status, reason: row.status_reason }).toEqual({
      status: ContainerStatus.Running,
      reason: null,
    });
    expect(drift).toEqual([]);
  });

  it('applies an outside change that came while a task held the container once the task ends', async () => {
    const uuid = randomUUID();
    const made = await startOurs(uuid);
    const row = await Container.create({
      uuid,
      name: 'held',
      project_id: 'p',
      user_id: 'u',
      image: BUSYBOX,
      command: ['sleep', '300'],
      status: ContainerStatus.Running,
      task_state: null,
      container_id: made.id,
      image_driver: 'docker',
      host,
    });
    const sync = new StateSync(
      new DockerodeEngine(SOCKET),
      host,
      new ResourceTracker(db.sequelize, host),
      createLogger('zun-compute-test'),
    );
    let held = true;
    sync.taskHolds = (u) => held && u === uuid;
    sync.startEvents();
    try {
      // Time for the engine's event stream to open. (Were the kill's events missed, the last
      // check below fails: nothing would be held for taskEnded to apply.)
      await new Promise((r) => setTimeout(r, 500));
      await made.kill();
      for (let i = 0; i < 50 && (await made.inspect()).State.Running; i++)
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1_000));
      await row.reload();
      // The task owns the row meanwhile: the event is not applied under it.
      expect(row.status).toBe(ContainerStatus.Running);

      held = false;
      sync.taskEnded(uuid);
      for (let i = 0; i < 50 && row.status === ContainerStatus.Running; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await row.reload();
      }
      expect(row.status).toBe(ContainerStatus.Stopped);
    } finally {
      sync.stop();
    }
  });
});
