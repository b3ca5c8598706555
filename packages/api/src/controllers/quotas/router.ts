import { Router } from 'express';
import type { Sequelize } from 'sequelize';
import { Quota, QUOTA_RESOURCES, QuotaClass, type QuotaResource, type ZunConfig } from '@zun/common';
import { enforce } from '../../policy';
import { validator } from '../../validation/schema';
import { classLimits, defaultLimits, projectLimits, projectUsage } from '../../compute/quotas';
import { HINTS, limitsSchema } from './schemas';

type LimitsBody = Partial<Record<QuotaResource, number | string>>;

/**
 * /v1/quotas/{project_id} and /v1/quota_classes/{name}: a project's limits (its own, else the
 * `default` class's, else config) and the classes. Reading a project's quotas is for admins
 * and the project's own members; changing them is for admins. The project id is not checked
 * against the identity service, as upstream.
 */
export function quotasRouter(config: ZunConfig, sequelize: Sequelize): Router {
  const r = Router();
  const body = validator<LimitsBody>(limitsSchema, HINTS);
  const given = (b: LimitsBody): [QuotaResource, number][] =>
    QUOTA_RESOURCES.filter((k) => b[k] !== undefined).map((k) => [k, Number(b[k])]);

  r.get('/:project_id', async (req, res) => {
    const projectId = req.params.project_id;
    enforce(req.context, 'quota:get', { project_id: projectId });
    const limits = await projectLimits(projectId, config);
    // Any non-empty `usages` asks for usage, as upstream reads it (the client sends usages=True).
    if (req.query.usages) {
      const usage = await projectUsage(sequelize, projectId);
      res.json(Object.fromEntries(QUOTA_RESOURCES.map((k) => [k, { limit: limits[k], in_use: usage[k] }])));
      return;
    }
    res.json(limits);
  });

  r.get('/:project_id/defaults', async (req, res) => {
    enforce(req.context, 'quota:get_default', { project_id: req.params.project_id });
    res.json(await defaultLimits(config));
  });

  r.put('/:project_id', async (req, res) => {
    const projectId = req.params.project_id;
    enforce(req.context, 'quota:update', { project_id: projectId });
    const changes = given(body(req.body ?? {}));
    await sequelize.transaction(async (transaction) => {
      for (const [resource, hard_limit] of changes)
        await Quota.upsert(
          { project_id: projectId, resource, hard_limit },
          { transaction, conflictFields: ['project_id', 'resource'] },
        );
    });
    res.json(await projectLimits(projectId, config));
  });

  r.delete('/:project_id', async (req, res) => {
    const projectId = req.params.project_id;
    enforce(req.context, 'quota:delete', { project_id: projectId });
    await Quota.destroy({ where: { project_id: projectId } });
    res.status(200).json(null);
  });

  return r;
}

export function quotaClassesRouter(config: ZunConfig, sequelize: Sequelize): Router {
  const r = Router();
  const body = validator<LimitsBody>(limitsSchema, HINTS);

  r.get('/:name', async (req, res) => {
    enforce(req.context, 'quota_class:get');
    res.json(await classLimits(req.params.name, config));
  });

  r.put('/:name', async (req, res) => {
    enforce(req.context, 'quota_class:update');
    const name = req.params.name;
    const b = body(req.body ?? {});
    await sequelize.transaction(async (transaction) => {
      for (const resource of QUOTA_RESOURCES) {
        const v = b[resource];
        if (v === undefined) continue;
        await QuotaClass.upsert(
          { class_name: name, resource, hard_limit: Number(v) },
          { transaction, conflictFields: ['class_name', 'resource'] },
        );
      }
    });
    res.json(await classLimits(name, config));
  });

  return r;
}
