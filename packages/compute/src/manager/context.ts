import type { Sequelize } from 'sequelize';
import { Container, ContainerStatus, type Logger, type ZunConfig } from '@zun/common';
import type { ContainerInspect, EngineClient } from '../docker/engine';
import { observeState } from '../docker/status';
import { addressesOf } from '../network/addresses';
import type { DockerImageDriver } from '../image/docker-image-driver';
import type { GlanceImageDriver } from '../image/glance-image-driver';
import type { ResourceTracker } from './claims';
import type { ComputeMetrics } from '../metrics';
import type { StepTimer } from './step-timer';

/** What every compute command needs. */
export interface ManagerContext {
  host: string;
  config: ZunConfig;
  sequelize: Sequelize;
  engine: EngineClient;
  images: DockerImageDriver;
  /** Null when `[glance]` is not configured: containers with image_driver glance then fail. */
  glance: GlanceImageDriver | null;
  tracker: ResourceTracker;
  logger: Logger;
  metrics?: ComputeMetrics;
  /** The running task's step timings (absent outside a task). */
  steps?: StepTimer;
}

/**
 * Writes status (and detail/reason) observed in the engine, plus fields Docker fills in, and
 * any `extra` fields, in one UPDATE.
 */
export async function applyInspect(
  c: Container,
  info: ContainerInspect,
  extra: Partial<
    Pick<Container, 'task_state' | 'status' | 'container_id' | 'command' | 'entrypoint' | 'mounts'>
  > = {},
): Promise<void> {
  const observed = observeState(info, c.status);
  const addresses = addressesOf(c.project_id, info);
  const ports = exposedPortNumbers(info.Config?.ExposedPorts);
  await c.update({
    status: observed.status,
    status_detail: observed.statusDetail,
    status_reason: observed.statusReason,
    hostname: c.hostname ?? info.Config?.Hostname ?? null,
    runtime: info.HostConfig?.Runtime ?? c.runtime,
    ports,
    addresses,
    ...(observed.status === ContainerStatus.Running && info.State?.StartedAt
      ? { started_at: new Date(info.State.StartedAt) }
      : {}),
    ...extra,
  });
}

/** `{"80/tcp": {}, "53/udp": {}}` → `[80, 53]`: the view's `ports` (states.md §5 item 9). */
export function exposedPortNumbers(exposed: Record<string, unknown> | null | undefined): number[] {
  return [...new Set(Object.keys(exposed ?? {}).map((p) => Number.parseInt(p, 10)))].filter((n) =>
    Number.isFinite(n),
  );
}

/** An error text a human can act on: the engine's own message when there is one. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
