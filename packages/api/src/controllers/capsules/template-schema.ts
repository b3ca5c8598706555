import type { JsonSchema } from '../../validation/schema';
import {
  cpuSchema,
  extBool,
  imageSchema,
  intLike,
  nameSchema,
  pullPolicySchema,
} from '../containers/schemas';

/**
 * The JSON schema of a capsule template (Zun's pod), checked before ./template.ts maps it. The
 * `description` of each subschema is the rule quoted to the user when that field is refused, so
 * it is phrased to follow the field's path ("spec.volumes[0].name must be ..."). Rules that
 * span fields (volumes against mounts, ports across members) and ranges that come from settings
 * are checked after the schema, in ./template.ts.
 */

const NAME_RULE =
  'must be 2-255 characters of letters, digits, "_", "." or "-", starting with a letter or digit';
const bool = { ...extBool, description: 'must be a boolean (true or false)' };
const name = { ...nameSchema, description: NAME_RULE };
/** YAML reads `sleep 3600` words as numbers; those are taken as the words they were. */
const word = { type: ['string', 'number'], description: 'must be a string' };
const words = { type: ['array', 'null'], items: word, description: 'must be a list of strings' };
const absolutePath = (what: string) => ({
  type: 'string',
  minLength: 1,
  pattern: '^/',
  description: `must be an absolute path (starting with "/") ${what}`,
});
/** Labels and annotations are kept as strings; YAML numbers and booleans are taken as written. */
const stringishMap = (what: string) => ({
  type: ['object', 'null'],
  additionalProperties: { type: ['string', 'number', 'boolean'], description: 'must be a string' },
  description: `must be an object of ${what}`,
});

const port = {
  type: 'object',
  properties: {
    containerPort: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'must be a whole number from 1 to 65535',
    },
    hostPort: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      description: 'must be a whole number from 0 to 65535',
    },
    protocol: { type: 'string', enum: ['TCP', 'UDP'], description: 'must be "TCP" or "UDP"' },
    name,
  },
  required: ['containerPort'],
  additionalProperties: false,
  description: 'must be an object such as {"containerPort": 80, "protocol": "TCP"}',
};

const volumeMount = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'must be the name of a volume of spec.volumes' },
    mountPath: absolutePath('inside the container'),
    readOnly: bool,
  },
  required: ['name', 'mountPath'],
  additionalProperties: false,
  description: 'must be an object such as {"name": "data", "mountPath": "/data"}',
};

/** A member or init container: the only keys a capsule container may have. */
const container = {
  type: 'object',
  properties: {
    image: {
      ...imageSchema,
      description: 'must be 2-255 characters naming an image, e.g. 127.0.0.1:5000/busybox:latest',
    },
    name,
    command: words,
    args: words,
    resources: {
      type: ['object', 'null'],
      properties: {
        requests: {
          type: ['object', 'null'],
          properties: {
            cpu: { ...cpuSchema, description: 'must be a positive number of vCPUs (e.g. 0.5 or "2")' },
            memory: { ...intLike, description: 'must be a whole number of MiB (e.g. 512 or "512")' },
          },
          additionalProperties: false,
          description: 'must be an object such as {"cpu": 0.5, "memory": 512}',
        },
      },
      additionalProperties: false,
      description: 'must be an object such as {"requests": {"cpu": 0.5, "memory": 512}}',
    },
    ports: { type: ['array', 'null'], items: port, description: 'must be a list of ports' },
    volumeMounts: {
      type: ['array', 'null'],
      items: volumeMount,
      description: 'must be a list of volume mounts',
    },
    env: {
      type: ['object', 'null'],
      additionalProperties: {
        type: 'string',
        description: 'must be a string (quote numbers and booleans in YAML)',
      },
      description: 'must be an object of variable names to string values',
    },
    workDir: { ...absolutePath('inside the container'), type: ['string', 'null'] },
    imagePullPolicy: { ...pullPolicySchema, description: 'must be one of always, ifnotpresent, never' },
    stdin: bool,
    tty: bool,
  },
  required: ['image'],
  additionalProperties: false,
  description: 'must be an object with at least an "image"',
};

const volume = {
  type: 'object',
  properties: {
    name: { ...name, type: 'string' },
    cinder: {
      type: 'object',
      properties: {
        volumeID: {
          type: 'string',
          minLength: 36,
          maxLength: 36,
          description: 'must be the 36-character id of an existing volume',
        },
        size: { type: 'integer', minimum: 1, description: 'must be a whole number of GiB, at least 1' },
        autoRemove: bool,
      },
      additionalProperties: false,
      description: 'must be an object such as {"size": 1, "autoRemove": true}',
    },
  },
  required: ['name', 'cinder'],
  description: 'must be an object such as {"name": "data", "cinder": {"size": 1}}',
};

const restartPolicy = {
  type: 'string',
  enum: ['Always', 'OnFailure', 'Never'],
  description: 'must be one of Always, OnFailure, Never',
};

export const templateSchema: JsonSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['capsule', 'Capsule'], description: 'must be "capsule"' },
    capsuleVersion: { type: 'string', enum: ['beta', 'Beta'], description: 'must be "beta"' },
    metadata: {
      type: 'object',
      properties: {
        name,
        labels: stringishMap('label names to values'),
        annotations: stringishMap('annotation names to values'),
      },
      description: 'must be an object (name, labels, annotations)',
    },
    spec: {
      type: 'object',
      properties: {
        containers: {
          type: 'array',
          minItems: 1,
          items: container,
          description: 'must be a list of at least one container',
        },
        initContainers: {
          type: ['array', 'null'],
          items: container,
          description: 'must be a list of containers',
        },
        volumes: { type: ['array', 'null'], items: volume, description: 'must be a list of volumes' },
        restartPolicy,
      },
      required: ['containers'],
      description: 'must be an object (containers, initContainers, volumes, restartPolicy)',
    },
    availabilityZone: {
      type: ['string', 'null'],
      minLength: 1,
      maxLength: 255,
      description: 'must be a string of 1-255 characters',
    },
    // Accepted for compatibility and without effect: the policy that applies is spec.restartPolicy.
    restartPolicy,
  },
  required: ['kind', 'metadata', 'spec'],
  additionalProperties: false,
  description: 'must be an object (kind, capsuleVersion, metadata, spec, availabilityZone)',
};

/** The request body of `POST /v1/capsules/`: the template, as an object or a string of JSON. */
export const bodySchema: JsonSchema = {
  type: 'object',
  properties: {
    template: {
      type: ['object', 'string'],
      description: 'must be an object (or a string holding one as JSON)',
    },
  },
  required: ['template'],
  additionalProperties: false,
  description: 'must be an object {"template": ...}',
};
