import { Router, type Request } from 'express';
import { COMPUTE_BINARY, InputError, NotFoundError, Service, type ZunConfig } from '@zun/common';
import { serviceIsUp, type HostStateCache } from '../compute/host-states';
import { enforce } from '../policy';
import { parseBool } from '../validation/schema';
import { isoMicro } from './format';

const HOST_RE = /^[a-zA-Z0-9-._]*$/;

/**
 * host and binary from the query string (what the client sends) or a JSON body (what upstream's
 * tests send); anything else is a 400, as is a missing host or binary (a 500 upstream).
 */
function target(
  req: Request,
  allowed: string[],
): { host: string; binary: string; q: Record<string, string> } {
  const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...body, ...(req.query as Record<string, unknown>) })) {
    if (!['host', 'binary', ...allowed].includes(k))
      throw new InputError(`Invalid input for query parameters ${k}.`);
    if (v !== null && v !== undefined) q[k] = String(v);
  }
  const { host, binary } = q;
  if (!host || host.length > 255 || !HOST_RE.test(host))
    throw new InputError('host is required: 1-255 characters of letters, digits, "-", "." and "_".');
  if (!binary || binary.length > 255) throw new InputError('binary is required: 1-255 characters.');
  return { host, binary, q };
}

async function findService(host: string, binary: string): Promise<Service> {
  const s = await Service.findOne({ where: { host, binary } });
  if (!s) throw new NotFoundError(`Service ${host}:${binary} could not be found.`, 'zun-service-not-found');
  return s;
}

/**
 * /v1/services (admin): compute services with up/down computed from heartbeat age, and the
 * operator's switches. Every change reaches the scheduler at once (the host snapshot is dropped).
 */
export function servicesRouter(config: ZunConfig, hosts: HostStateCache): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    enforce(req.context, 'zun-service:get_all');
    const rows = await Service.findAll({ where: { binary: COMPUTE_BINARY }, order: [['id', 'ASC']] });
    const now = Date.now();
    res.json({
      services: rows.map((s) => ({
        id: s.id,
        host: s.host,
        binary: s.binary,
        disabled: s.disabled,
        disabled_reason: s.disabled_reason ?? null,
        forced_down: s.forced_down,
        report_count: s.report_count,
        last_seen_up: isoMicro(s.last_seen_up),
        created_at: isoMicro(s.created_at),
        updated_at: isoMicro(s.updated_at),
        availability_zone: s.availability_zone || config.defaultAvailabilityZone,
        state: serviceIsUp(s, config.serviceDownTime, now) ? 'up' : 'down',
      })),
    });
  });

  r.delete('/', async (req, res) => {
    enforce(req.context, 'zun-service:delete');
    const { host, binary } = target(req, []);
    await (await findService(host, binary)).destroy();
    hosts.invalidate();
    res.status(200).json(null);
  });

  r.put('/enable', async (req, res) => {
    enforce(req.context, 'zun-service:enable');
    const { host, binary } = target(req, []);
    await (await findService(host, binary)).update({ disabled: false, disabled_reason: null });
    hosts.invalidate();
    res.json({ service: { host, binary, disabled: false, disabled_reason: null } });
  });

  r.put('/disable', async (req, res) => {
    enforce(req.context, 'zun-service:disable');
    const { host, binary, q } = target(req, ['disabled_reason']);
    const reason = q.disabled_reason ?? null;
    if (reason !== null && (reason.length < 1 || reason.length > 255))
      throw new InputError('disabled_reason must be 1-255 characters.');
    await (await findService(host, binary)).update({ disabled: true, disabled_reason: reason });
    hosts.invalidate();
    res.json({ service: { host, binary, disabled: true, disabled_reason: reason } });
  });

  r.put('/force_down', async (req, res) => {
    enforce(req.context, 'zun-service:force_down');
    const { host, binary, q } = target(req, ['forced_down']);
    if (q.forced_down === undefined) throw new InputError('forced_down is required.');
    const forced = parseBool('forced_down', q.forced_down, false);
    await (await findService(host, binary)).update({ forced_down: forced });
    hosts.invalidate();
    res.json({ service: { host, binary, forced_down: forced } });
  });
  return r;
}

/** GET /v1/availability_zones: one entry per distinct zone of the service rows. */
export function availabilityZonesRouter(config: ZunConfig): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    enforce(req.context, 'availability_zones:get_all');
    const q = req.query as Record<string, string>;
    const rows = await Service.findAll({ attributes: ['availability_zone'] });
    const zones = [...new Set(rows.map((s) => s.availability_zone || config.defaultAvailabilityZone))];
    zones.sort();
    if ((q.sort_dir ?? 'asc').toLowerCase() === 'desc') zones.reverse();
    const limit = q.limit === undefined ? zones.length : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 0)
      throw new InputError(`Limit must be positive integer: ${q.limit}`);
    const start = q.marker ? zones.indexOf(q.marker) + 1 : 0;
    res.json({
      availability_zones: zones.slice(start, start + limit).map((z) => ({ availability_zone: z })),
      next: null,
    });
  });
  return r;
}
