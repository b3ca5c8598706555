import { Router, type Request } from 'express';
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import { ComputeNode, ConflictError, InputError, NotFoundError, type ZunConfig } from '@zun/common';
import { versioned } from '../middleware/microversion';
import { enforce } from '../policy';
import { parseBool } from '../validation/schema';
import { links } from './format';

interface HostFacts {
  cpu: number;
  memory: number;
  disk: number;
  zone: string | null;
  byStatus: Record<string, number>;
}
type Usage = Map<string, HostFacts>;

/** Claimed usage, the service's zone and Zun containers by status, for every host: three grouped reads. */
async function usageByHost(sequelize: Sequelize, config: ZunConfig): Promise<Usage> {
  const [claims, zones, counts] = await Promise.all([
    sequelize.query<{ host: string; cpu: number; memory: string; disk: string }>(
      'SELECT host, SUM(cpu) AS cpu, SUM(memory) AS memory, SUM(disk) AS disk FROM resource_claims GROUP BY host',
      { type: QueryTypes.SELECT },
    ),
    sequelize.query<{ host: string; availability_zone: string | null }>(
      `SELECT host, availability_zone FROM services WHERE "binary" = 'zun-compute'`,
      { type: QueryTypes.SELECT },
    ),
    sequelize.query<{ host: string; status: string; n: string }>(
      'SELECT host, status, COUNT(*) AS n FROM containers WHERE host IS NOT NULL GROUP BY host, status',
      { type: QueryTypes.SELECT },
    ),
  ]);
  const out: Usage = new Map();
  const get = (host: string): HostFacts => {
    let f = out.get(host);
    if (!f) out.set(host, (f = { cpu: 0, memory: 0, disk: 0, zone: null, byStatus: {} }));
    return f;
  };
  for (const r of claims)
    Object.assign(get(r.host), { cpu: Number(r.cpu), memory: Number(r.memory), disk: Number(r.disk) });
  for (const r of zones) get(r.host).zone = r.availability_zone || config.defaultAvailabilityZone;
  for (const r of counts) get(r.host).byStatus[r.status] = Number(r.n);
  return out;
}

function hostView(n: ComputeNode, usage: Usage, base: string | null) {
  const u = usage.get(n.hostname) ?? { cpu: 0, memory: 0, disk: 0, zone: null, byStatus: {} };
  return {
    uuid: n.uuid,
    ...(base ? { links: links(base, 'hosts', n.uuid) } : {}),
    hostname: n.hostname,
    mem_total: n.mem_total,
    mem_used: u.memory,
    cpus: n.cpus,
    cpu_used: u.cpu,
    disk_total: n.disk_total,
    disk_used: u.disk,
    disk_quota_supported: n.disk_quota_supported,
    total_containers: n.total_containers,
    running_containers: n.running_containers,
    paused_containers: n.paused_containers,
    stopped_containers: n.stopped_containers,
    /** Zun's own containers on the host, by status (the counts above are the engine's, all containers). */
    containers_by_status: u.byStatus,
    availability_zone: u.zone,
    architecture: n.architecture,
    os_type: n.os_type,
    os: n.os,
    kernel_version: n.kernel_version,
    labels: n.labels ?? {},
    runtimes: n.runtimes ?? [],
    enable_cpu_pinning: n.enable_cpu_pinning,
  };
}

const SORT = new Set(['hostname', 'uuid', 'mem_total', 'cpus', 'disk_total', 'created_at']);

/** /v1/hosts (admin, >= 1.4): compute nodes with usage summed from their claims. */
export function hostsRouter(
  config: ZunConfig,
  sequelize: Sequelize,
  baseUrl: (req: Request) => string,
): Router {
  const r = Router();
  r.use(versioned('1.4'));
  r.get('/', async (req, res) => {
    enforce(req.context, 'host:get_all');
    const q = req.query as Record<string, string>;
    const limit = q.limit === undefined ? config.api.maxLimit : Number(q.limit);
    if (!Number.isInteger(limit) || limit <= 0)
      throw new InputError(`Limit must be positive integer: ${q.limit}`);
    const sortKey = q.sort_key ?? 'hostname';
    if (!SORT.has(sortKey))
      throw new InputError(
        `The sort_key value "${sortKey}" is an invalid field for sorting`,
        'invalid-parameter-value',
      );
    const dir = (q.sort_dir ?? 'asc').toLowerCase() === 'desc' ? 'DESC' : 'ASC';
    parseBool('all_projects', q.all_projects, false);
    const where: Record<string | symbol, unknown> = {};
    if (q.marker) {
      const m = await ComputeNode.findByPk(q.marker);
      if (!m) throw new NotFoundError(`Marker ${q.marker} could not be found.`, 'marker-not-found');
      where[sortKey] = { [dir === 'ASC' ? Op.gt : Op.lt]: m.get(sortKey as keyof ComputeNode) };
    }
    const nodes = await ComputeNode.findAll({ where, order: [[sortKey, dir]], limit });
    const usage = await usageByHost(sequelize, config);
    const base = baseUrl(req);
    res.json({
      hosts: nodes.map((n) => hostView(n, usage, base)),
      next:
        nodes.length === limit
          ? `${base}/v1/hosts?sort_key=${sortKey}&sort_dir=${dir.toLowerCase()}&limit=${limit}&marker=${nodes[nodes.length - 1].uuid}`
          : null,
    });
  });
  r.get('/:ident', async (req, res) => {
    enforce(req.context, 'host:get');
    const ident = req.params.ident;
    const matches = await ComputeNode.findAll({
      where: { [Op.or]: [{ uuid: ident }, { hostname: ident }] },
      limit: 2,
    });
    if (matches.length === 0)
      throw new NotFoundError(`Compute host ${ident} could not be found.`, 'compute-node-not-found');
    if (matches.length > 1) throw new ConflictError(`Multiple compute hosts match ${ident}; use the uuid.`);
    res.json(hostView(matches[0], await usageByHost(sequelize, config), baseUrl(req)));
  });
  return r;
}
