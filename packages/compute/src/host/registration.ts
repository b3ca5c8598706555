import { randomUUID } from 'node:crypto';
import { literal } from 'sequelize';
import { COMPUTE_BINARY, ComputeNode, Service, type Logger, type ZunConfig } from '@zun/common';
import type { EngineClient } from '../docker/engine';
import { readHostResources, type HostResources } from './host-info';
import type { LivenessConnection } from './liveness';

/**
 * The agent's presence in the database: its service row (heartbeats, endpoint the API calls)
 * and its compute node (what the host has, refreshed on every heartbeat).
 */
export class HostRegistration {
  constructor(
    private readonly config: ZunConfig,
    private readonly engine: EngineClient,
    private readonly endpoint: string,
    private readonly logger: Logger,
    /** Beats on a connection of their own (see LivenessConnection); else through the pool. */
    private readonly liveness: LivenessConnection | null = null,
  ) {}

  get host(): string {
    return this.config.host;
  }

  async register(): Promise<HostResources> {
    const [service] = await Service.findOrCreate({
      where: { host: this.host, binary: COMPUTE_BINARY },
      defaults: {
        host: this.host,
        binary: COMPUTE_BINARY,
        availability_zone: this.config.defaultAvailabilityZone,
      },
    });
    await service.update({ endpoint: this.endpoint });
    const resources = await this.refreshNode();
    await this.heartbeat();
    this.logger.info('compute service registered', { host: this.host, endpoint: this.endpoint });
    return resources;
  }

  /**
   * One UPDATE per beat: with hundreds of hosts every statement here is paid hundreds of times
   * per interval.
   */
  async heartbeat(): Promise<void> {
    if (this.liveness) return this.liveness.beat(this.host);
    await Service.update(
      { last_seen_up: new Date(), report_count: literal('report_count + 1') },
      { where: { host: this.host, binary: COMPUTE_BINARY } },
    );
  }

  async refreshNode(): Promise<HostResources> {
    const r = await readHostResources(this.engine, this.config);
    const values = {
      hostname: this.host,
      mem_total: r.memTotalMiB,
      cpus: r.cpus,
      disk_total: r.diskTotalGiB,
      disk_quota_supported: r.diskQuotaSupported,
      total_containers: r.totalContainers,
      running_containers: r.runningContainers,
      paused_containers: r.pausedContainers,
      stopped_containers: r.stoppedContainers,
      architecture: r.architecture,
      os_type: r.osType,
      os: r.os,
      kernel_version: r.kernelVersion,
      labels: r.labels,
      runtimes: r.runtimes,
      cpu_limit: r.cpuLimit,
      mem_limit: r.memLimit,
      disk_limit: r.diskLimit,
      enable_cpu_pinning: this.config.compute.enableCpuPinning,
      numa_topology: r.numaTopology,
    };
    const node = await ComputeNode.findOne({ where: { hostname: this.host } });
    if (node) await node.update(values);
    else await ComputeNode.create({ uuid: randomUUID(), ...values });
    return r;
  }

  /** Makes the service show as down at once instead of after service_down_time. */
  async markDown(): Promise<void> {
    await Service.update(
      { last_seen_up: new Date(0) },
      { where: { host: this.host, binary: COMPUTE_BINARY } },
    );
  }
}
