import type { ApiVersion } from '../../api-version';
import type { JsonSchema } from '../../validation/schema';

/**
 * Request schemas for /v1/containers (containers.md §3.1, §4, §7, §8). Numeric ranges are
 * checked after the schema (they come from settings) by ./params.ts.
 *
 * The exported field rules are also those of a capsule's containers (../capsules/template-schema.ts).
 */
export const extBool = {
  oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['True', 'true', 'False', 'false'] }],
};
export const nameSchema = {
  type: ['string', 'null'],
  minLength: 2,
  maxLength: 255,
  pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]+$',
};
export const cpuSchema = {
  oneOf: [{ type: 'number' }, { type: 'string', pattern: '^[0-9]*(\\.([0-9]+))?$' }, { type: 'null' }],
};
export const intLike = {
  oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+$' }, { type: 'null' }],
};
export const imageSchema = { type: 'string', minLength: 2, maxLength: 255, pattern: '[a-zA-Z0-9_.-]{2}' };
export const pullPolicySchema = {
  oneOf: [
    { type: 'string', enum: ['never', 'always', 'ifnotpresent', 'Never', 'Always', 'IfNotPresent'] },
    { type: 'null' },
  ],
};
const stringMap = { type: ['object', 'null'], additionalProperties: { type: 'string' } };

/** Readable reasons for fields whose schema is a oneOf (ajv would only name the first branch). */
export const CREATE_HINTS: Record<string, string> = {
  cpu: 'cpu must be a positive number of vCPUs (e.g. 0.5 or "2").',
  memory: 'memory must be a whole number of MiB (e.g. 512 or "512").',
  disk: 'disk must be a whole number of GiB.',
  interactive: 'interactive must be a boolean.',
  tty: 'tty must be a boolean.',
  auto_heal: 'auto_heal must be a boolean.',
  privileged: 'privileged must be a boolean.',
  image_pull_policy: 'image_pull_policy must be one of always, ifnotpresent, never.',
  image_driver: 'image_driver must be one of docker, glance.',
  image: 'image must be 2-255 characters naming an image, e.g. 127.0.0.1:5000/busybox:latest.',
  name: 'name must be 2-255 characters of letters, digits, "_", "." or "-", starting with a letter or digit.',
};

export function createBodySchema(v: ApiVersion): JsonSchema {
  const props: Record<string, unknown> = {
    image: imageSchema,
    name: nameSchema,
    command: v.atLeast('1.20') ? { type: ['array', 'null'] } : { type: ['string', 'null'] },
    cpu: cpuSchema,
    memory: intLike,
    disk: intLike,
    cpu_policy: { type: 'string', enum: ['dedicated', 'shared'] },
    workdir: { type: ['string', 'null'] },
    environment: stringMap,
    labels: { type: ['object', 'null'] },
    image_pull_policy: pullPolicySchema,
    image_driver: { oneOf: [{ type: 'string', enum: ['glance', 'docker', 'None'] }, { type: 'null' }] },
    restart_policy: {
      type: ['object', 'null'],
      properties: {
        Name: { type: 'string', enum: ['no', 'always', 'on-failure', 'unless-stopped'] },
        MaximumRetryCount: intLike,
      },
      required: ['Name'],
      additionalProperties: false,
    },
    interactive: extBool,
    tty: extBool,
    security_groups: { type: ['array', 'null'], items: { type: 'string', minLength: 1, maxLength: 255 } },
    hints: { type: ['object', 'null'] },
    nets: { type: ['array', 'null'] },
    mounts: { type: ['array', 'null'] },
    runtime: { type: ['string', 'null'] },
    hostname: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9-._]*$' },
    auto_remove: { type: ['boolean', 'null'] },
    auto_heal: extBool,
    privileged: extBool,
    healthcheck: { type: ['object', 'null'] },
    exposed_ports: { type: ['object', 'null'] },
    availability_zone: { type: ['string', 'null'], minLength: 1, maxLength: 255 },
    registry: { type: 'string', minLength: 2, maxLength: 255, pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]+$' },
  };
  if (v.atLeast('1.39'))
    props.host = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' };
  if (v.atLeast('1.40')) props.entrypoint = { type: ['array', 'null'] };
  return { type: 'object', properties: props, required: ['image'], additionalProperties: false };
}

export const createQuerySchema: JsonSchema = {
  type: 'object',
  properties: { run: { type: 'string' } },
  additionalProperties: false,
};

export const LIST_FILTERS = [
  'name',
  'image',
  'project_id',
  'user_id',
  'memory',
  'task_state',
  'status',
  'auto_remove',
  'host',
];
export const listQuerySchema: JsonSchema = {
  type: 'object',
  properties: Object.fromEntries(
    [
      ...LIST_FILTERS,
      'limit',
      'marker',
      'sort_key',
      'sort_dir',
      'all_projects',
      'resource_url',
      'expand',
      'fields',
    ].map((k) => [k, { type: 'string' }]),
  ),
  additionalProperties: false,
};

export const deleteQuerySchema: JsonSchema = {
  type: 'object',
  properties: { force: { type: 'string' }, stop: { type: 'string' }, all_projects: { type: 'string' } },
  additionalProperties: false,
};

export const stopQuerySchema: JsonSchema = {
  type: 'object',
  properties: { timeout: { type: 'string', pattern: '^[0-9]+$' } },
  additionalProperties: false,
};

export const emptyQuerySchema: JsonSchema = { type: 'object', additionalProperties: false };

export const logsQuerySchema: JsonSchema = {
  type: 'object',
  properties: {
    stdout: { type: 'string' },
    stderr: { type: 'string' },
    timestamps: { type: 'string' },
    tail: { type: 'string' },
    since: { type: 'string' },
    // Ours, not Zun's: the real CLI never sends it.
    follow: { type: 'string' },
  },
  additionalProperties: false,
};

export const rebootQuerySchema: JsonSchema = stopQuerySchema;

export const killQuerySchema: JsonSchema = {
  type: 'object',
  properties: { signal: { type: 'string' } },
  additionalProperties: false,
};

export const rebuildQuerySchema: JsonSchema = {
  type: 'object',
  properties: {
    image: { type: 'string', minLength: 2, maxLength: 255, pattern: '[a-zA-Z0-9_.-]{2}' },
    image_driver: { type: 'string' },
  },
  additionalProperties: false,
};

export const updateBodySchema: JsonSchema = {
  type: 'object',
  properties: { name: nameSchema, cpu: cpuSchema, memory: intLike, auto_heal: extBool },
  additionalProperties: false,
};

export const renameQuerySchema: JsonSchema = {
  type: 'object',
  properties: { name: { ...nameSchema, type: 'string' } },
  required: ['name'],
  additionalProperties: false,
};

const boolString = { type: 'string', enum: ['True', 'true', 'False', 'false'] };
const positiveInt = { type: 'string', pattern: '^[0-9]*[1-9][0-9]*$', maxLength: 5 };

export const executeQuerySchema: JsonSchema = {
  type: 'object',
  properties: { command: { type: 'string', minLength: 1 }, run: boolString, interactive: boolString },
  required: ['command'],
  additionalProperties: false,
};

export const resizeQuerySchema: JsonSchema = {
  type: 'object',
  properties: { w: positiveInt, h: positiveInt },
  required: ['w', 'h'],
  additionalProperties: false,
};

export const executeResizeQuerySchema: JsonSchema = {
  type: 'object',
  properties: { exec_id: { type: 'string', pattern: '^[0-9a-f]{64}$' }, w: positiveInt, h: positiveInt },
  required: ['exec_id', 'w', 'h'],
  additionalProperties: false,
};
