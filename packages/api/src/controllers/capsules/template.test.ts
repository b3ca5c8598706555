import {
  editedTemplate as edited,
  exampleTemplate as example,
  type Json,
} from '../../../../../test/support/capsule-template';
import type { CapsuleSpec } from '../../compute/capsule-spec';
import { parseCapsuleTemplate, type TemplateOptions } from './template';

const user: TemplateOptions = { isAdmin: false };
const admin: TemplateOptions = { isAdmin: true };

function parse(template: unknown, opts: TemplateOptions = user): CapsuleSpec {
  return parseCapsuleTemplate({ template }, opts);
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
    expect(totals([requests(0.1, 8), requests(0.2, 8)]).cpu).toBe(0.3);
  });
});
