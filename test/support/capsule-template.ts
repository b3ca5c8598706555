export type Json = Record<string, unknown>;
export type Template = Json & { spec: Json & { containers: Json[]; initContainers: Json[] } };
export type Edit = (t: Template) => void;

/**
 * A capsule template with every feature (an init container, a member with requests, ports and
 * env, a sized volume both mount), as `zun capsule-create` sends it once it has parsed the YAML.
 */
export function exampleTemplate(): Json {
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
export function editedTemplate(edit: Edit): Json {
  const t = structuredClone(exampleTemplate()) as Template;
  edit(t);
  return t;
}
