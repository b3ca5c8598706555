import { Router } from 'express';
import { COMPUTE_BINARY, Service, type ZunConfig } from '@zun/common';
import { serviceIsUp } from '../compute/host-states';
import { enforce } from '../policy';
import { isoMicro } from './format';

/** /v1/services (admin): compute services with up/down computed from heartbeat age. */
export function servicesRouter(config: ZunConfig): Router {
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
  return r;
}
