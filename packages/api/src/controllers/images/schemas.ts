import type { JsonSchema } from '../../validation/schema';

const nameLike = { type: 'string', minLength: 2, maxLength: 255, pattern: '[a-zA-Z0-9_.-]{2}' };
const nullableString = { type: ['string', 'null'], minLength: 2, maxLength: 255 };

/** POST /v1/images: only `repo` and `host` are used; the other keys are accepted and ignored. */
export const pullSchema: JsonSchema = {
  type: 'object',
  properties: {
    repo: nameLike,
    host: nameLike,
    tag: nullableString,
    image_id: nullableString,
    size: {
      oneOf: [
        { type: 'string', pattern: '^[0-9]+[bBkKmMgG]?$' },
        { type: 'integer', minimum: 0 },
        { type: 'null' },
      ],
    },
    image_pull_policy: {
      oneOf: [
        { type: 'string', enum: ['never', 'always', 'ifnotpresent', 'Never', 'Always', 'IfNotPresent'] },
        { type: 'null' },
      ],
    },
  },
  required: ['repo', 'host'],
  additionalProperties: false,
};

export const PULL_HINTS: Record<string, string> = {
  repo: 'repo must be an image name of 2-255 characters, [registry/]name[:tag].',
  host: 'host must be a compute host name or uuid of 2-255 characters.',
  size: 'size must be a number of bytes, optionally with a unit (b, k, m, g).',
  image_pull_policy: 'image_pull_policy must be one of always, ifnotpresent, never.',
};

export const searchQuerySchema: JsonSchema = {
  type: 'object',
  properties: {
    image_driver: { type: 'string', enum: ['glance', 'docker', 'None'] },
    exact_match: { type: 'string', enum: ['True', 'true', 'False', 'false'] },
  },
  additionalProperties: false,
};
