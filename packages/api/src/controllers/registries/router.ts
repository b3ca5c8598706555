import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import {
  InputError,
  Registry,
  SecretBox,
  sameRegistryHost,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  type Logger,
  type ZunConfig,
} from '@zun/common';
import { enforce } from '../../policy';
import { validator } from '../../validation/schema';
import { listRegistries } from './list';
import { findRegistry } from '../../compute/registries';
import {
  createSchema,
  HINTS,
  listQuerySchema,
  updateSchema,
  wrapperSchema,
  type RegistryBody,
} from './schemas';
import { registryView } from './views';

type Query = Record<string, string>;

/**
 * /v1/registries (other-resources.md §7): private registries of the caller's project, whose
 * credentials the agent uses when pulling a container's image. Passwords are sealed before
 * they reach the database and never leave the service.
 */
export function registriesRouter(
  config: ZunConfig,
  logger: Logger,
  baseUrl: (req: Request) => string,
): Router {
  const r = Router();
  const wrapper = validator<{ registry: unknown }>(wrapperSchema);
  const createBody = validator<RegistryBody>(createSchema, HINTS);
  const updateBody = validator<RegistryBody>(updateSchema, HINTS);
  const listQuery = validator<Query>(listQuerySchema);
  const box = config.authEncryptionKey ? new SecretBox(config.authEncryptionKey) : null;
  if (!box) logger.warn('[DEFAULT] auth_encryption_key is not set: registries cannot store passwords');

  const seal = (password: string): string => {
    if (!box) {
      throw new ServiceUnavailableError(
        'This deployment cannot store registry passwords: [DEFAULT] auth_encryption_key is not configured.',
      );
    }
    return box.encrypt(password);
  };

  r.post('/', async (req, res) => {
    enforce(req.context, 'registry:create');
    if (!req.is('application/json')) {
      throw new UnsupportedMediaTypeError(
        'The server could not comply with the request since it is either malformed or otherwise incorrect. Content-Type must be application/json.',
      );
    }
    const body = createBody(wrapper(req.body ?? {}).registry);
    const row = await Registry.create({
      uuid: randomUUID(),
      name: body.name ?? null,
      domain: body.domain as string,
      username: body.username ?? null,
      password: body.password === undefined ? null : seal(body.password),
      project_id: req.context.projectId,
      user_id: req.context.userId,
    });
    const base = baseUrl(req);
    res
      .status(201)
      .location(`${base}/v1/registries/${row.uuid}`)
      .json({ registry: registryView(row, base) });
  });

  r.get('/', async (req, res) => {
    enforce(req.context, 'registry:get_all');
    const q = listQuery({ ...(req.query as Query) });
    const page = await listRegistries(q, req.context, config, baseUrl(req));
    res.json({ registries: page.items.map((x) => registryView(x, null)), next: page.next });
  });

  r.get('/:ident', async (req, res) => {
    enforce(req.context, 'registry:get_one');
    const row = await findRegistry(req.params.ident, req.context);
    res.json({ registry: registryView(row, baseUrl(req)) });
  });

  r.patch('/:ident', async (req, res) => {
    enforce(req.context, 'registry:update');
    const body = updateBody(wrapper(req.body ?? {}).registry);
    const row = await findRegistry(req.params.ident, req.context);
    // The stored password is sent to the registry's domain: moving it elsewhere without the
    // password would let any member of the project collect it at a host of their choosing.
    if (
      body.domain !== undefined &&
      !sameRegistryHost(body.domain, row.domain) &&
      row.password &&
      body.password === undefined
    ) {
      throw new InputError('Changing the domain of a registry with a password requires the password too.');
    }
    const changes: Partial<Pick<Registry, 'name' | 'domain' | 'username' | 'password'>> = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.domain !== undefined) changes.domain = body.domain;
    if (body.username !== undefined) changes.username = body.username;
    if (body.password !== undefined) changes.password = seal(body.password);
    await row.update(changes);
    res.json({ registry: registryView(row, baseUrl(req)) });
  });

  // Containers that name the registry keep its uuid; their later pulls are anonymous (upstream
  // allows the delete too).
  r.delete('/:ident', async (req, res) => {
    enforce(req.context, 'registry:delete');
    const row = await findRegistry(req.params.ident, req.context);
    await row.destroy();
    res.status(204).end();
  });
  return r;
}
