import type { JsonSchema } from '../../validation/schema';

/** A limit as the client sends it: an integer, or a string of one; -1 means unlimited. */
const limit = {
  oneOf: [
    { type: 'integer', minimum: -1 },
    { type: 'string', pattern: '^(-1|[0-9]+)$' },
  ],
};

/** PUT /v1/quotas/{project_id} and /v1/quota_classes/{name}: any of the four resources, nothing else. */
export const limitsSchema: JsonSchema = {
  type: 'object',
  properties: { containers: limit, memory: limit, cpu: limit, disk: limit },
  additionalProperties: false,
};

export const HINTS: Record<string, string> = Object.fromEntries(
  ['containers', 'memory', 'cpu', 'disk'].map((r) => [
    r,
    `${r} must be a whole number, or -1 for unlimited.`,
  ]),
);
