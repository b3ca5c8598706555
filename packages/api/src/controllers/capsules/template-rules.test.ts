import { InputError } from '@zun/common';
import {
  editedTemplate as edited,
  exampleTemplate as example,
  type Edit,
  type Json,
} from '../../../../../test/support/capsule-template';
import { INVALID_TEMPLATE, parseCapsuleTemplate, type TemplateOptions } from './template';

const user: TemplateOptions = { isAdmin: false };

function parse(template: unknown, opts: TemplateOptions = user): unknown {
  return parseCapsuleTemplate({ template }, opts);
}

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected the template to be refused');
}

/** [field path named in the message, rule text it must carry, the edit that breaks it]. */
const TEMPLATE_RULES: [string, string, Edit][] = [
  ['template', 'unknown key "apiVersion"', (t) => (t.apiVersion = 'v1')],
  ['kind', 'is required', (t) => delete t.kind],
  ['kind', 'must be "capsule"', (t) => (t.kind = 'Pod')],
  ['capsuleVersion', 'must be "beta"', (t) => (t.capsuleVersion = 'v1')],
  ['metadata', 'is required', (t) => delete t.metadata],
  ['metadata', 'must be an object', (t) => (t.metadata = 'demo')],
  ['metadata.name', 'must be 2-255 characters', (t) => ((t.metadata as Json).name = '-bad')],
  ['metadata.name', 'must be 2-255 characters', (t) => ((t.metadata as Json).name = 'x')],
  ['metadata.name', 'must be 2-255 characters', (t) => ((t.metadata as Json).name = 'a'.repeat(256))],
  ['metadata.labels', 'must be an object of label names', (t) => ((t.metadata as Json).labels = ['app'])],
  ['metadata.labels.app', 'must be a string', (t) => ((t.metadata as Json).labels = { app: { x: 1 } })],
  [
    'metadata.annotations.owner',
    'must be a string',
    (t) => ((t.metadata as Json).annotations = { owner: [] }),
  ],
  ['spec', 'is required', (t) => delete (t as Json).spec],
  ['spec', 'must be an object', (t) => ((t as Json).spec = [])],
  ['spec.containers', 'is required', (t) => delete (t.spec as Json).containers],
  ['spec.containers', 'at least one container', (t) => (t.spec.containers = [])],
  ['spec.containers', 'at least one container', (t) => ((t.spec as Json).containers = { image: 'nginx' })],
  [
    'spec.containers[0]',
    'must be an object with at least an "image"',
    (t) => ((t.spec.containers as unknown[])[0] = 'nginx'),
  ],
  ['spec.initContainers', 'must be a list of containers', (t) => ((t.spec as Json).initContainers = {})],
  ['spec.restartPolicy', 'one of Always, OnFailure, Never', (t) => (t.spec.restartPolicy = 'always')],
  ['restartPolicy', 'one of Always, OnFailure, Never', (t) => (t.restartPolicy = 'Sometimes')],
  ['availabilityZone', '1-255 characters', (t) => (t.availabilityZone = '')],
  ['availabilityZone', '1-255 characters', (t) => (t.availabilityZone = 'z'.repeat(256))],
  ['availabilityZone', '1-255 characters', (t) => (t.availabilityZone = 5)],
  // Volumes.
  ['spec.volumes', 'must be a list of volumes', (t) => (t.spec.volumes = { name: 'workdir' })],
  ['spec.volumes[0]', 'must be an object', (t) => (t.spec.volumes = ['workdir'])],
  ['spec.volumes[0].name', 'is required', (t) => (t.spec.volumes = [{ cinder: { size: 1 } }])],
  [
    'spec.volumes[0].name',
    'must be 2-255 characters',
    (t) => (t.spec.volumes = [{ name: 'w', cinder: { size: 1 } }]),
  ],
  ['spec.volumes[0].cinder', 'is required', (t) => (t.spec.volumes = [{ name: 'workdir' }])],
  [
    'spec.volumes[0].cinder',
    'unknown key "type"',
    (t) => (t.spec.volumes = [{ name: 'workdir', cinder: { size: 1, type: 'ssd' } }]),
  ],
  [
    'spec.volumes[0].cinder',
    'exactly one of volumeID',
    (t) => (t.spec.volumes = [{ name: 'workdir', cinder: {} }]),
  ],
  [
    'spec.volumes[0].cinder',
    'exactly one of volumeID',
    (t) =>
      (t.spec.volumes = [
        { name: 'workdir', cinder: { size: 1, volumeID: '6b1e7a50-3f67-4c55-9e0b-6f4f0e1d2c3a' } },
      ]),
  ],
  [
    'spec.volumes[0].cinder.size',
    'whole number of GiB, at least 1',
    (t) => (t.spec.volumes = [{ name: 'workdir', cinder: { size: 0 } }]),
  ],
  [
    'spec.volumes[0].cinder.size',
    'whole number of GiB, at least 1',
    (t) => (t.spec.volumes = [{ name: 'workdir', cinder: { size: 1.5 } }]),
  ],
  [
    'spec.volumes[0].cinder.size',
    'whole number of GiB, at least 1',
    (t) => (t.spec.volumes = [{ name: 'workdir', cinder: { size: '1' } }]),
  ],
  [
    'spec.volumes[0].cinder.volumeID',
    '36-character id',
    (t) => (t.spec.volumes = [{ name: 'workdir', cinder: { volumeID: 'abc' } }]),
  ],
  [
    'spec.volumes[0].cinder.autoRemove',
    'must be a boolean',
    (t) => (t.spec.volumes = [{ name: 'workdir', cinder: { size: 1, autoRemove: 'yes' } }]),
  ],
  [
    'spec.volumes[1].name',
    'must be unique (spec.volumes[0]',
    (t) =>
      (t.spec.volumes = [
        { name: 'workdir', cinder: { size: 1 } },
        { name: 'workdir', cinder: { size: 2 } },
      ]),
  ],
  [
    'spec.volumes[1]',
    'must be mounted by a container or init container',
    (t) =>
      (t.spec.volumes = [
        { name: 'workdir', cinder: { size: 1 } },
        { name: 'unused', cinder: { size: 1 } },
      ]),
  ],
  // Ports across members.
  [
    'spec.containers[1].ports',
    'must not expose 80/tcp again: spec.containers[0]',
    (t) => t.spec.containers.push({ image: 'busybox', ports: [{ containerPort: 80 }] }),
  ],
];

/** Rules of a container object, checked alike for spec.containers and spec.initContainers. */
const CONTAINER_RULES: [string, string, (c: Json) => void][] = [
  ['', 'unknown key "labels"', (c) => (c.labels = { a: 'b' })],
  ['', 'unknown key "livenessProbe"', (c) => (c.livenessProbe = {})],
  ['.image', 'is required', (c) => delete c.image],
  ['.image', 'naming an image', (c) => (c.image = 'x')],
  ['.image', 'naming an image', (c) => (c.image = 42)],
  ['.name', 'must be 2-255 characters', (c) => (c.name = 'bad name')],
  ['.command', 'must be a list of strings', (c) => (c.command = 'echo hi')],
  ['.command[1]', 'must be a string', (c) => (c.command = ['echo', { a: 1 }])],
  ['.args[0]', 'must be a string', (c) => (c.args = [true])],
  ['.resources', 'unknown key "limits"', (c) => (c.resources = { limits: { cpu: 1 } })],
  ['.resources.requests', 'unknown key "gpu"', (c) => (c.resources = { requests: { gpu: 1 } })],
  [
    '.resources.requests.cpu',
    'positive number of vCPUs',
    (c) => (c.resources = { requests: { cpu: 'abc' } }),
  ],
  [
    '.resources.requests.cpu',
    'must be between 0.1 and 16 vCPUs',
    (c) => (c.resources = { requests: { cpu: 0 } }),
  ],
  [
    '.resources.requests.cpu',
    'must be between 0.1 and 16 vCPUs',
    (c) => (c.resources = { requests: { cpu: -1 } }),
  ],
  [
    '.resources.requests.cpu',
    'must be between 0.1 and 16 vCPUs',
    (c) => (c.resources = { requests: { cpu: 17 } }),
  ],
  [
    '.resources.requests.memory',
    'whole number of MiB',
    (c) => (c.resources = { requests: { memory: '512Mi' } }),
  ],
  ['.resources.requests.memory', 'whole number of MiB', (c) => (c.resources = { requests: { memory: 1.5 } })],
  [
    '.resources.requests.memory',
    'must be between 6 and 8192 MiB (got 2)',
    (c) => (c.resources = { requests: { memory: 2 } }),
  ],
  [
    '.resources.requests.memory',
    'must be between 6 and 8192 MiB',
    (c) => (c.resources = { requests: { memory: 9000 } }),
  ],
  ['.ports', 'must be a list of ports', (c) => (c.ports = 80)],
  ['.ports[0].containerPort', 'is required', (c) => (c.ports = [{ protocol: 'TCP' }])],
  ['.ports[0].containerPort', 'from 1 to 65535', (c) => (c.ports = [{ containerPort: 0 }])],
  ['.ports[0].containerPort', 'from 1 to 65535', (c) => (c.ports = [{ containerPort: 65536 }])],
  ['.ports[0].containerPort', 'from 1 to 65535', (c) => (c.ports = [{ containerPort: '80' }])],
  ['.ports[0].containerPort', 'from 1 to 65535', (c) => (c.ports = [{ containerPort: 80.5 }])],
  [
    '.ports[0].protocol',
    'must be "TCP" or "UDP"',
    (c) => (c.ports = [{ containerPort: 80, protocol: 'tcp' }]),
  ],
  [
    '.ports[0].protocol',
    'must be "TCP" or "UDP"',
    (c) => (c.ports = [{ containerPort: 80, protocol: 'SCTP' }]),
  ],
  ['.ports[0].hostPort', 'from 0 to 65535', (c) => (c.ports = [{ containerPort: 80, hostPort: -1 }])],
  ['.ports[0].name', 'must be 2-255 characters', (c) => (c.ports = [{ containerPort: 80, name: 'h' }])],
  ['.ports[0]', 'unknown key "hostIP"', (c) => (c.ports = [{ containerPort: 80, hostIP: '0.0.0.0' }])],
  ['.env', 'object of variable names to string values', (c) => (c.env = ['A=1'])],
  ['.env.PORT', 'must be a string', (c) => (c.env = { PORT: 80 })],
  ['.workDir', 'absolute path', (c) => (c.workDir = 'srv')],
  ['.workDir', 'absolute path', (c) => (c.workDir = 7)],
  ['.imagePullPolicy', 'one of always, ifnotpresent, never', (c) => (c.imagePullPolicy = 'sometimes')],
  ['.stdin', 'must be a boolean', (c) => (c.stdin = 'yes')],
  ['.tty', 'must be a boolean', (c) => (c.tty = 1)],
  ['.volumeMounts', 'list of volume mounts', (c) => (c.volumeMounts = { name: 'workdir' })],
  ['.volumeMounts[0].mountPath', 'is required', (c) => (c.volumeMounts = [{ name: 'workdir' }])],
  ['.volumeMounts[0].name', 'is required', (c) => (c.volumeMounts = [{ mountPath: '/data' }])],
  [
    '.volumeMounts[0].mountPath',
    'absolute path',
    (c) => (c.volumeMounts = [{ name: 'workdir', mountPath: 'data' }]),
  ],
  [
    '.volumeMounts[0].mountPath',
    'must not be "/"',
    (c) => (c.volumeMounts = [{ name: 'workdir', mountPath: '/./' }]),
  ],
  [
    '.volumeMounts[0].readOnly',
    'must be a boolean',
    (c) => (c.volumeMounts = [{ name: 'workdir', mountPath: '/d', readOnly: 'ro' }]),
  ],
  [
    '.volumeMounts[0]',
    'unknown key "subPath"',
    (c) => (c.volumeMounts = [{ name: 'workdir', mountPath: '/d', subPath: 'x' }]),
  ],
  [
    '.volumeMounts[0].name',
    '"other" is not declared',
    (c) => (c.volumeMounts = [{ name: 'other', mountPath: '/d' }]),
  ],
  [
    '.volumeMounts[1].mountPath',
    'must differ from the other mounts of the container',
    (c) =>
      (c.volumeMounts = [
        { name: 'workdir', mountPath: '/data' },
        { name: 'workdir', mountPath: '/data/' },
      ]),
  ],
];

function expectRefusal(t: unknown, field: string, rule: string, opts: TemplateOptions = user): void {
  const err = refusal(() => parse(t, opts));
  expect(err.code).toBe(INVALID_TEMPLATE);
  expect(err.status).toBe(400);
  expect(err.message).toContain(`Invalid capsule template: ${field} `);
  expect(err.message).toContain(rule);
}

describe('parseCapsuleTemplate refuses', () => {
  it.each(TEMPLATE_RULES)('%s: %s', (field, rule, edit) => {
    expectRefusal(edited(edit), field, rule);
  });

  describe.each(['containers', 'initContainers'])('in spec.%s', (kind) => {
    it.each(CONTAINER_RULES)('[0]%s: %s', (suffix, rule, edit) => {
      const t = edited((x) => edit((x.spec[kind] as Json[])[0]));
      expectRefusal(t, `spec.${kind}[0]${suffix}`, rule);
    });
  });

  it('limits of the deployment rather than the defaults', () => {
    const limits = { minimumCpus: 0.5, maximumCpus: 2, minimumMemory: 64, maximumMemory: 1024 };
    const t = edited((x) => (x.spec.containers[0].resources = { requests: { cpu: 1, memory: 32 } }));
    expectRefusal(t, 'spec.containers[0].resources.requests.memory', 'must be between 64 and 1024 MiB', {
      isAdmin: false,
      limits,
    });
  });
});

describe('parseCapsuleTemplate refuses the request body', () => {
  const bodyRefusal = (body: unknown, field: string, rule: string) => {
    const err = refusal(() => parseCapsuleTemplate(body, user));
    expect(err.code).toBe(INVALID_TEMPLATE);
    expect(err.message).toContain(`Invalid capsule template: ${field} `);
    expect(err.message).toContain(rule);
  };

  it('that is not an object', () => bodyRefusal([], 'body', 'must be an object'));
  it('without a template', () => bodyRefusal({}, 'template', 'is required'));
  it('with other keys', () => bodyRefusal({ template: example(), run: true }, 'body', 'unknown key "run"'));
  it('whose template is neither an object nor a string', () =>
    bodyRefusal({ template: 5 }, 'template', 'must be an object (or a string'));
  it('whose template string is not JSON', () =>
    bodyRefusal({ template: 'kind: capsule' }, 'template', 'must be valid JSON'));
  it('whose template string holds no object', () =>
    bodyRefusal({ template: '[1]' }, 'template', 'must be an object'));
  it('whose template string hides a NUL character', () => {
    const t = edited((x) => (x.spec.containers[0].env = { A: 'a\u0000b' }));
    bodyRefusal({ template: JSON.stringify(t) }, 'spec.containers[0].env.A', 'NUL');
  });
});
