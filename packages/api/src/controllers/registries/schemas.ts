import type { JsonSchema } from '../../validation/schema';

/**
 * Request schemas for /v1/registries (other-resources.md §7). The wrapper and the registry
 * object are checked separately so errors name the registry's own field.
 */
export const wrapperSchema: JsonSchema = {
  type: 'object',
  properties: { registry: { type: 'object' } },
  required: ['registry'],
  additionalProperties: false,
};

const fields: Record<string, JsonSchema> = {
  name: { type: ['string', 'null'], minLength: 2, maxLength: 255, pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]+$' },
  domain: { type: 'string', minLength: 1, maxLength: 255 },
  username: { type: 'string', minLength: 1, maxLength: 255 },
  password: { type: 'string', minLength: 1, maxLength: 255 },
};

export const createSchema: JsonSchema = {
  type: 'object',
  properties: fields,
  required: ['domain'],
  additionalProperties: false,
};

export const updateSchema: JsonSchema = {
  type: 'object',
  properties: fields,
  additionalProperties: false,
};

export const HINTS: Record<string, string> = {
  name: 'name must be 2-255 characters of letters, digits, "_", "." or "-", starting with a letter or digit.',
  domain: 'domain must be 1-255 characters: the registry host[:port], e.g. registry.example.org:5000.',
  username: 'username must be a string of 1-255 characters.',
  password: 'password must be a string of 1-255 characters.',
};

export const LIST_FILTERS = ['name', 'domain', 'username', 'project_id', 'user_id'] as const;

export const listQuerySchema: JsonSchema = {
  type: 'object',
  properties: Object.fromEntries(
    [...LIST_FILTERS, 'limit', 'marker', 'sort_key', 'sort_dir', 'all_projects'].map((k) => [
      k,
      { type: 'string' },
    ]),
  ),
  additionalProperties: false,
};

export interface RegistryBody {
  name?: string | null;
  domain?: string;
  username?: string;
  password?: string;
}
