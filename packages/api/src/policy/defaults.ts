/**
 * Zun's default policy: every rule the API checks, its default check string and what it
 * guards. An operator's policy file overrides any of them (./enforcer.ts); the sample file
 * (`npm run policy-sample`, deploy/policy.yaml.sample) is generated from this table.
 *
 * ADMIN = the caller's token is an admin one; OWNER = admin, or the object belongs to the
 * caller's project (the check receives the object's project_id as its target).
 */
export interface RuleDefault {
  name: string;
  check: string;
  description: string;
  /** The API calls the rule guards, e.g. "POST /v1/containers". */
  operations: string[];
}

const ADMIN = 'rule:context_is_admin';
const OWNER = 'is_admin:True or project_id:%(project_id)s';

const C = '/v1/containers';
const rule = (name: string, check: string, description: string, ...operations: string[]): RuleDefault => ({
  name,
  check,
  description,
  operations,
});

export const BASE_RULES: RuleDefault[] = [
  rule('context_is_admin', 'role:admin', 'Who counts as an admin (sees and manages every project).'),
  rule('admin_or_owner', OWNER, 'An admin, or a member of the project that owns the object.'),
  rule('admin_api', 'rule:context_is_admin', 'Admins only.'),
  rule('deny_everybody', '!', 'Nobody.'),
];

const containerVerb = (verb: string, description: string, op: string): RuleDefault =>
  rule(`container:${verb}`, OWNER, description, op);

export const CONTAINER_RULES: RuleDefault[] = [
  containerVerb('create', 'Create a container.', `POST ${C}`),
  rule('container:create:runtime', ADMIN, 'Choose the runtime of a new container.', `POST ${C}`),
  // Upstream denies everybody; here admins may (a privileged container can take over its host).
  rule(
    'container:create:privileged',
    ADMIN,
    'Create a privileged container (full access to the host).',
    `POST ${C}`,
  ),
  rule('container:create:requested_destination', ADMIN, 'Choose the host of a new container.', `POST ${C}`),
  rule('container:create:image_pull_policy', ADMIN, 'Set the image pull policy.', `POST ${C}`),
  containerVerb('delete', 'Delete a container.', `DELETE ${C}/{id}`),
  rule('container:delete_all_projects', ADMIN, "Delete another project's container.", `DELETE ${C}/{id}`),
  rule(
    'container:delete_force',
    ADMIN,
    'Delete a running container by force.',
    `DELETE ${C}/{id}?force=True`,
  ),
  containerVerb('get_one', 'Show a container.', `GET ${C}/{id}`),
  rule('container:get_one_all_projects', ADMIN, "Show another project's container.", `GET ${C}/{id}`),
  rule('container:get_one:host', ADMIN, 'See the host field of containers.', `GET ${C}/{id}`),
  rule('container:get_one:image_pull_policy', ADMIN, 'See the image_pull_policy field.', `GET ${C}/{id}`),
  rule('container:get_one:privileged', ADMIN, 'See the privileged field.', `GET ${C}/{id}`),
  rule('container:get_one:runtime', ADMIN, 'See the runtime field.', `GET ${C}/{id}`),
  containerVerb('get_all', 'List containers.', `GET ${C}`),
  rule(
    'container:get_all_all_projects',
    ADMIN,
    'List the containers of every project.',
    `GET ${C}?all_projects=1`,
  ),
  containerVerb('update', 'Update a container (cpu, memory, name).', `PATCH ${C}/{id}`),
  containerVerb('start', 'Start a container.', `POST ${C}/{id}/start`),
  containerVerb('stop', 'Stop a container.', `POST ${C}/{id}/stop`),
  containerVerb('reboot', 'Restart a container.', `POST ${C}/{id}/reboot`),
  containerVerb('pause', 'Pause a container.', `POST ${C}/{id}/pause`),
  containerVerb('unpause', 'Unpause a container.', `POST ${C}/{id}/unpause`),
  containerVerb('logs', "Read a container's logs.", `GET ${C}/{id}/logs`),
  containerVerb('execute', 'Run a command in a container.', `POST ${C}/{id}/execute`),
  containerVerb('execute_resize', 'Resize the terminal of an exec session.', `POST ${C}/{id}/execute_resize`),
  containerVerb('kill', 'Send a signal to a container.', `POST ${C}/{id}/kill`),
  containerVerb('rename', 'Rename a container.', `POST ${C}/{id}/rename`),
  containerVerb('attach', "Attach to a container's console.", `GET ${C}/{id}/attach`),
  containerVerb('resize', "Resize a container's terminal.", `POST ${C}/{id}/resize`),
  containerVerb('top', "List a container's processes.", `GET ${C}/{id}/top`),
  containerVerb('get_archive', 'Copy files out of a container.', `GET ${C}/{id}/get_archive`),
  containerVerb('put_archive', 'Copy files into a container.', `POST ${C}/{id}/put_archive`),
  containerVerb('stats', "Read a container's resource usage.", `GET ${C}/{id}/stats`),
  containerVerb('commit', 'Commit a container to an image.', `POST ${C}/{id}/commit`),
  rule(
    'container:commit:any_repository',
    ADMIN,
    "Commit into any repository on any registry host, not only the project's namespace of the default registry and its own registries (not upstream's).",
    `POST ${C}/{id}/commit`,
  ),
  containerVerb('add_security_group', 'Add a security group.', `POST ${C}/{id}/add_security_group`),
  containerVerb('remove_security_group', 'Remove a security group.', `POST ${C}/{id}/remove_security_group`),
  containerVerb('network_detach', 'Detach a network.', `POST ${C}/{id}/network_detach`),
  containerVerb('network_attach', 'Attach a network.', `POST ${C}/{id}/network_attach`),
  containerVerb('network_list', "List a container's networks.", `GET ${C}/{id}/network_list`),
  containerVerb('rebuild', 'Rebuild a container from its image.', `POST ${C}/{id}/rebuild`),
  containerVerb('resize_container', "Change a container's cpu or memory.", `POST ${C}/{id}/resize_container`),
  rule('container:actions', OWNER, "List a container's actions.", `GET ${C}/{id}/container_actions`),
  rule(
    'container:action:events',
    ADMIN,
    'See the events (with tracebacks) of an action.',
    `GET ${C}/{id}/container_actions/{request_id}`,
  ),
];

const CAP = '/v1/capsules';
export const OTHER_RULES: RuleDefault[] = [
  rule('capsule:create', OWNER, 'Create a capsule.', `POST ${CAP}/`),
  rule('capsule:delete', OWNER, 'Delete a capsule.', `DELETE ${CAP}/{id}`),
  rule('capsule:delete_all_projects', ADMIN, "Delete another project's capsule.", `DELETE ${CAP}/{id}`),
  rule('capsule:get', OWNER, 'Show a capsule.', `GET ${CAP}/{id}`),
  rule('capsule:get:host', ADMIN, 'See the host field of capsules.', `GET ${CAP}/{id}`),
  rule('capsule:get_one_all_projects', ADMIN, "Show another project's capsule.", `GET ${CAP}/{id}`),
  rule('capsule:get_all', OWNER, 'List capsules.', `GET ${CAP}/`),
  rule(
    'capsule:get_all_all_projects',
    ADMIN,
    'List the capsules of every project.',
    `GET ${CAP}/?all_projects=1`,
  ),
  rule('image:pull', ADMIN, 'Pull an image onto a host.', 'POST /v1/images'),
  rule('image:get_all', ADMIN, 'List images.', 'GET /v1/images'),
  rule('image:get_one', ADMIN, 'Show an image.', 'GET /v1/images/{id}'),
  rule('image:delete', ADMIN, 'Delete an image from a host.', 'DELETE /v1/images/{id}'),
  rule('image:search', OWNER, 'Search images in registries.', 'GET /v1/images/{term}/search'),
  rule('zun-service:get_all', ADMIN, 'List services.', 'GET /v1/services'),
  rule('zun-service:delete', ADMIN, 'Delete a service.', 'DELETE /v1/services'),
  rule('zun-service:disable', ADMIN, 'Disable a service.', 'PUT /v1/services/disable'),
  rule('zun-service:enable', ADMIN, 'Enable a service.', 'PUT /v1/services/enable'),
  rule('zun-service:force_down', ADMIN, 'Force a service down.', 'PUT /v1/services/force_down'),
  rule('host:get_all', ADMIN, 'List hosts.', 'GET /v1/hosts'),
  rule('host:get', ADMIN, 'Show a host.', 'GET /v1/hosts/{id}'),
  rule(
    'network:attach_external_network',
    'role:admin',
    'Attach an external network.',
    `POST ${C}/{id}/network_attach`,
  ),
  rule('network:create', 'role:admin', 'Create a network.', 'POST /v1/networks'),
  rule('network:delete', 'role:admin', 'Delete a network.', 'DELETE /v1/networks/{id}'),
  rule('availability_zones:get_all', OWNER, 'List availability zones.', 'GET /v1/availability_zones'),
  rule('registry:create', OWNER, 'Register a private registry.', 'POST /v1/registries'),
  rule('registry:delete', OWNER, 'Delete a registry.', 'DELETE /v1/registries/{id}'),
  rule('registry:get_one', OWNER, 'Show a registry.', 'GET /v1/registries/{id}'),
  rule('registry:get_all', OWNER, 'List registries.', 'GET /v1/registries'),
  rule(
    'registry:get_all_all_projects',
    ADMIN,
    'List the registries of every project.',
    'GET /v1/registries?all_projects=1',
  ),
  rule('registry:update', OWNER, 'Update a registry.', 'PATCH /v1/registries/{id}'),
  rule('quota:update', ADMIN, "Change a project's quotas.", 'PUT /v1/quotas/{project_id}'),
  rule('quota:delete', ADMIN, "Remove a project's quota overrides.", 'DELETE /v1/quotas/{project_id}'),
  rule('quota:get', OWNER, "Show a project's quotas.", 'GET /v1/quotas/{project_id}'),
  rule('quota:get_default', OWNER, 'Show the default quotas.', 'GET /v1/quotas/{project_id}/defaults'),
  rule('quota_class:update', ADMIN, 'Change a quota class.', 'PUT /v1/quota_classes/{name}'),
  rule('quota_class:get', ADMIN, 'Show a quota class.', 'GET /v1/quota_classes/{name}'),
];

export const DEFAULT_RULES: RuleDefault[] = [...BASE_RULES, ...CONTAINER_RULES, ...OTHER_RULES];
