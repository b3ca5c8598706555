import { InputError } from '@zun/common';
import type { CapsuleSpec } from './spec';
import { INVALID_TEMPLATE, parseCapsuleTemplate, type TemplateOptions } from './template';

type Json = Record<string, unknown>;
type Template = Json & { spec: Json & { containers: Json[]; initContainers: Json[] } };
type Edit = (t: Template) => void;
const user: TemplateOptions = { isAdmin: false };
const admin: TemplateOptions = { isAdmin: true };

/** The YAML example of the capsules contract, as `zun capsule-create` sends it (parsed to JSON). */
function example(): Json {
  return {
    capsuleVersion: 'beta',
    kind: 'capsule',
    metadata: { name: 'init-demo', labels: { app: 'web' }, annotations: { owner: 'team-a' } },
    availabilityZone: 'nova',
    spec: {
      restartPolicy: 'Always',
      initContainers: [
        {
          image: 'busybox',
          command: ['wget', '-O', '/work-dir/index.html', 'https://example.org/'],
          volumeMounts: [{ name: 'workdir', mountPath: '/work-dir' }],
        },
      ],
      containers: [
        {
          image: 'nginx',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { requests: { cpu: 0.5, memory: 512 } },
          env: { ENV2: 'env2-value' },
          workDir: '/',
          imagePullPolicy: 'ifnotpresent',
          tty: true,
          stdin: true,
          volumeMounts: [{ name: 'workdir', mountPath: '/usr/share/nginx/html' }],
        },
      ],
      volumes: [{ name: 'workdir', cinder: { size: 1, autoRemove: true } }],
    },
  };
}

/** The example with `edit` applied to a deep copy of it. */
function edited(edit: Edit): Json {
  const t = structuredClone(example()) as Template;
  edit(t);
  return t;
}

function parse(template: unknown, opts: TemplateOptions = user): CapsuleSpec {
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

describe('parseCapsuleTemplate accepts', () => {
  it('the example of the contract, mapped field by field', () => {
    expect(parse(example())).toEqual({
      name: 'init-demo',
      labels: { app: 'web' },
      annotations: { owner: 'team-a' },
      availabilityZone: 'nova',
      restartPolicy: 'always',
      initContainers: [
        {
          image: 'busybox',
          command: ['wget', '-O', '/work-dir/index.html', 'https://example.org/'],
          cpu: null,
          memory: null,
          exposedPorts: {},
          volumeMounts: [{ name: 'workdir', mountPath: '/work-dir', readOnly: false }],
          environment: {},
          workdir: null,
          imagePullPolicy: null,
          interactive: false,
          tty: false,
        },
      ],
      containers: [
        {
          image: 'nginx',
          command: null,
          cpu: 0.5,
          memory: '512',
          exposedPorts: { '80/tcp': {} },
          volumeMounts: [{ name: 'workdir', mountPath: '/usr/share/nginx/html', readOnly: false }],
          environment: { ENV2: 'env2-value' },
          workdir: '/',
          imagePullPolicy: null,
          interactive: true,
          tty: true,
        },
      ],
      volumes: [{ name: 'workdir', size: 1, autoRemove: true }],
      cpu: 0.5,
      memory: '512',
    } satisfies CapsuleSpec);
  });

  it('the pull policy of an admin, lower-cased; a non-admin gets none', () => {
    const t = edited((x) => (x.spec.containers[0].imagePullPolicy = 'IfNotPresent'));
    expect(parse(t, admin).containers[0].imagePullPolicy).toBe('ifnotpresent');
    expect(parse(t, user).containers[0].imagePullPolicy).toBeNull();
  });

  it('a template sent as a string of JSON', () => {
    expect(parse(JSON.stringify(example()))).toEqual(parse(example()));
  });

  it('the minimal template: no name, labels, volumes or requests', () => {
    const spec = parse({ kind: 'Capsule', metadata: {}, spec: { containers: [{ image: 'busybox' }] } });
    expect(spec).toMatchObject({
      name: null,
      labels: null,
      annotations: null,
      availabilityZone: null,
      restartPolicy: 'always',
      initContainers: [],
      volumes: [],
      cpu: 0,
      memory: '0',
    });
  });

  it.each([
    ['Always', 'always'],
    ['OnFailure', 'on-failure'],
    ['Never', 'no'],
  ])('spec.restartPolicy %s as %s', (given, mapped) => {
    expect(parse(edited((t) => (t.spec.restartPolicy = given))).restartPolicy).toBe(mapped);
  });

  it('the deprecated top-level restartPolicy, without effect', () => {
    const t = edited((x) => {
      x.restartPolicy = 'Never';
      delete x.spec.restartPolicy;
    });
    expect(parse(t).restartPolicy).toBe('always');
  });

  it.each([
    ['command only', { command: ['sleep', 10] }, ['sleep', '10']],
    ['args only', { args: ['-c', 'true'] }, ['-c', 'true']],
    ['command then args', { command: ['sh'], args: ['-c', 'true'] }, ['sh', '-c', 'true']],
    ['neither', {}, null],
    ['both empty', { command: [], args: null }, null],
  ])('the command from %s', (_what, fields, command) => {
    const t = edited((x) => Object.assign(x.spec.containers[0], fields));
    expect(parse(t).containers[0].command).toEqual(command);
  });

  it('bool-ish strings, numeric strings of requests, and scalar labels as strings', () => {
    const t = edited((x) => {
      Object.assign(x.spec.containers[0], {
        stdin: 'True',
        tty: 'false',
        resources: { requests: { cpu: '2', memory: '64' } },
      });
      x.metadata = { name: 'ab', labels: { replicas: 3, public: true } };
    });
    const spec = parse(t);
    expect(spec.containers[0]).toMatchObject({ interactive: true, tty: false, cpu: 2, memory: '64' });
    expect(spec.labels).toEqual({ replicas: '3', public: 'true' });
  });

  it('an existing volume by id, kept unless autoRemove', () => {
    const id = '6b1e7a50-3f67-4c55-9e0b-6f4f0e1d2c3a';
    const spec = parse(edited((x) => (x.spec.volumes = [{ name: 'workdir', cinder: { volumeID: id } }])));
    expect(spec.volumes).toEqual([{ name: 'workdir', volumeId: id, autoRemove: false }]);
  });

  it('keys upstream tolerates in metadata, spec and a volume', () => {
    const t = edited((x) => {
      (x.metadata as Json).namespace = 'default';
      x.spec.nodeSelector = {};
      (x.spec.volumes as Json[])[0].extra = 1;
    });
    expect(() => parse(t)).not.toThrow();
  });

  it('the same port on TCP and UDP, and an init container reusing a member port', () => {
    const t = edited((x) => {
      x.spec.containers.push({ image: 'busybox', ports: [{ containerPort: 80, protocol: 'UDP' }] });
      x.spec.initContainers[0].ports = [{ containerPort: 80 }];
    });
    expect(parse(t).containers.map((c) => c.exposedPorts)).toEqual([{ '80/tcp': {} }, { '80/udp': {} }]);
  });
});

describe('parseCapsuleTemplate totals', () => {
  const requests = (cpu: number | null, memory: number | null) => ({
    image: 'busybox',
    ...(cpu === null && memory === null ? {} : { resources: { requests: { cpu, memory } } }),
  });
  const totals = (containers: Json[], initContainers: Json[] = []) => {
    const spec = parse({ kind: 'capsule', metadata: {}, spec: { containers, initContainers } });
    return { cpu: spec.cpu, memory: spec.memory };
  };

  it('add up the members', () => {
    expect(totals([requests(0.5, 512), requests(0.25, 256)])).toEqual({ cpu: 0.75, memory: '768' });
  });
  it('count a member without requests as nothing', () => {
    expect(totals([requests(1, 128), requests(null, null)])).toEqual({ cpu: 1, memory: '128' });
  });
  it('rise to the largest init container, which runs alone', () => {
    expect(totals([requests(0.5, 64), requests(0.5, 64)], [requests(2, 32), requests(0.1, 1024)])).toEqual({
      cpu: 2,
      memory: '1024',
    });
  });
  it('do not rise for smaller init containers', () => {
    expect(totals([requests(1, 256)], [requests(0.5, 128)])).toEqual({ cpu: 1, memory: '256' });
  });
  it('do not drift with float sums', () => {
    expect(totals([requests(0.1, 4), requests(0.2, 4)]).cpu).toBe(0.3);
  });
});

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
  ['spec', 'is required', (t) => delete t.spec],
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
    'must be between 4 and 8192 MiB (got 2)',
    (c) => (c.resources = { requests: { memory: 2 } }),
  ],
  [
    '.resources.requests.memory',
    'must be between 4 and 8192 MiB',
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
