import type { Sequelize } from 'sequelize';
import type { ComputeAgentClient, GlanceClient, Logger, ZunConfig } from '@zun/common';
import type { FilterScheduler } from '@zun/scheduler';
import type { HostStateCache } from './host-states';
import type { SchedulingMetrics } from './scheduling-metrics';

/** What the compute API layer (schedule, record, dispatch) needs from the process. */
export interface ComputeDeps {
  config: ZunConfig;
  sequelize: Sequelize;
  scheduler: FilterScheduler;
  hosts: HostStateCache;
  agents: ComputeAgentClient;
  /** Glance with the service credential; null when `[glance]` is not configured. */
  glance: GlanceClient | null;
  logger: Logger;
  /** Placement step timings on /metrics; absent where nothing scrapes them (tests). */
  scheduling?: SchedulingMetrics;
}
