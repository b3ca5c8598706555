import { posix } from 'node:path';
import { InputError, OPTIONS, type ZunConfig } from '@zun/common';
import { findNul } from '../../middleware/text-input';
import { violationFinder } from '../../validation/schema';
import type {
  CapsuleMemberSpec,
  CapsuleRestartPolicy,
  CapsuleSpec,
  CapsuleVolumeSpec,
} from '../../compute/capsule-spec';
import { bodySchema, templateSchema } from './template-schema';
import { ENGINE_MINIMUM_MEMORY_MIB } from '../containers/params';

/** The Zun error code of every refused template (`container.invalid-capsule-template`). */
export const INVALID_TEMPLATE = 'invalid-capsule-template';

/** The request ranges a member's resources must fall in: the containers' `[DEFAULT]` limits. */
export type RequestLimits = Pick<
  ZunConfig['container'],
  'minimumCpus' | 'maximumCpus' | 'minimumMemory' | 'maximumMemory'
>;

export interface TemplateOptions {
  isAdmin: boolean;
  /** The deployment's limits (`config.container`); the settings' defaults when not given. */
  limits?: RequestLimits;
}

function templateError(field: string, rule: string): InputError {
  return new InputError(`Invalid capsule template: ${field} ${rule}.`, INVALID_TEMPLATE);
}

const checkBody = violationFinder(bodySchema);
const checkTemplate = violationFinder(templateSchema);

/**
 * Validates the body of `POST /v1/capsules/` and maps its template to a CapsuleSpec. Every
 * refusal is an InputError with code `invalid-capsule-template` whose message names the field
 * by its path in the template (`spec.containers[1].ports[0].containerPort`) and the rule.
 */
export function parseCapsuleTemplate(body: unknown, opts: TemplateOptions): CapsuleSpec {
  const bodyViolation = checkBody(body);
  if (bodyViolation) throw templateError(bodyViolation.field || 'body', bodyViolation.rule);
  const template = unwrapTemplate((body as { template: unknown }).template);
  const violation = checkTemplate(template);
  if (violation) throw templateError(violation.field || 'template', violation.rule);
  return mapTemplate(template as RawTemplate, opts);
}

/** A string is parsed as JSON, which the body-wide NUL check could not look into. */
function unwrapTemplate(template: unknown): unknown {
  if (typeof template !== 'string') return template;
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch (err) {
    throw templateError('template', `must be valid JSON when given as a string (${(err as Error).message})`);
  }
  const nul = findNul(parsed, '');
  if (nul !== null) throw templateError(nul || 'template', 'must not contain NUL characters (\\u0000)');
  return parsed;
}

// The raw shapes below are what the schema has already guaranteed.
type Bool = boolean | 'True' | 'true' | 'False' | 'false';
type Words = (string | number)[] | null;
interface RawContainer {
  image: string;
  command?: Words;
  args?: Words;
  resources?: { requests?: { cpu?: number | string | null; memory?: number | string | null } | null } | null;
  ports?: { containerPort: number; protocol?: 'TCP' | 'UDP' }[] | null;
  volumeMounts?: { name: string; mountPath: string; readOnly?: Bool }[] | null;
  env?: Record<string, string> | null;
  workDir?: string | null;
  imagePullPolicy?: string | null;
  stdin?: Bool;
  tty?: Bool;
}
interface RawTemplate {
  metadata: {
    name?: string | null;
    labels?: Record<string, string | number | boolean> | null;
    annotations?: Record<string, string | number | boolean> | null;
  };
  spec: {
    containers: RawContainer[];
    initContainers?: RawContainer[] | null;
    volumes?: { name: string; cinder: { volumeID?: string; size?: number; autoRemove?: Bool } }[] | null;
    restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  };
  availabilityZone?: string | null;
}

const RESTART_POLICIES: Record<string, CapsuleRestartPolicy> = {
  Always: 'always',
  OnFailure: 'on-failure',
  Never: 'no',
};

function mapTemplate(t: RawTemplate, opts: TemplateOptions): CapsuleSpec {
  const limits = opts.limits ?? defaultLimits();
  const member = (kind: string) => (c: RawContainer, i: number) =>
    mapContainer(c, `spec.${kind}[${i}]`, opts.isAdmin, limits);
  const containers = t.spec.containers.map(member('containers'));
  const initContainers = (t.spec.initContainers ?? []).map(member('initContainers'));
  const volumes = mapVolumes(t.spec.volumes ?? []);
  checkMounts(volumes, [
    ...initContainers.map((c, i) => ({ path: `spec.initContainers[${i}]`, c })),
    ...containers.map((c, i) => ({ path: `spec.containers[${i}]`, c })),
  ]);
  checkPorts(containers);
  return {
    name: t.metadata.name ?? null,
    labels: stringMap(t.metadata.labels),
    annotations: stringMap(t.metadata.annotations),
    availabilityZone: t.availabilityZone ?? null,
    restartPolicy: RESTART_POLICIES[t.spec.restartPolicy ?? 'Always'],
    initContainers,
    containers,
    volumes,
    ...totals(containers, initContainers),
  };
}

function mapContainer(
  c: RawContainer,
  path: string,
  isAdmin: boolean,
  limits: RequestLimits,
): CapsuleMemberSpec {
  const requests = c.resources?.requests ?? {};
  let cpu: number | null = null;
  if (requests.cpu !== undefined && requests.cpu !== null && requests.cpu !== '') {
    cpu = Number(requests.cpu);
    inRange(`${path}.resources.requests.cpu`, cpu, limits.minimumCpus, limits.maximumCpus, ' vCPUs');
  }
  let memory: string | null = null;
  if (requests.memory !== undefined && requests.memory !== null) {
    const mib = Number(requests.memory);
    inRange(
      `${path}.resources.requests.memory`,
      mib,
      Math.max(limits.minimumMemory, ENGINE_MINIMUM_MEMORY_MIB),
      limits.maximumMemory,
      ' MiB',
    );
    memory = String(mib);
  }
  const exposedPorts: Record<string, Record<string, never>> = {};
  for (const p of c.ports ?? [])
    exposedPorts[`${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`] = {};
  const mountPaths = new Map<string, number>();
  const volumeMounts = (c.volumeMounts ?? []).map((m, i) => {
    const normal = normalisePath(m.mountPath);
    // The engine refuses to mount over a container's root.
    if (normal === '/') throw templateError(`${path}.volumeMounts[${i}].mountPath`, 'must not be "/"');
    const first = mountPaths.get(normal);
    if (first !== undefined)
      throw templateError(
        `${path}.volumeMounts[${i}].mountPath`,
        `must differ from the other mounts of the container (${path}.volumeMounts[${first}] also mounts ${JSON.stringify(normal)})`,
      );
    mountPaths.set(normal, i);
    return { name: m.name, mountPath: m.mountPath, readOnly: bool(m.readOnly) };
  });
  const command = c.command === undefined || c.command === null ? null : c.command.map(String);
  const args = c.args === undefined || c.args === null ? null : c.args.map(String);
  const words = command === null && args === null ? null : [...(command ?? []), ...(args ?? [])];
  return {
    image: c.image,
    command: words && words.length > 0 ? words : null,
    cpu,
    memory,
    exposedPorts,
    volumeMounts,
    environment: c.env ?? {},
    workdir: c.workDir ?? null,
    // Choosing when to pull is an admin's policy (as for containers); others get the default.
    imagePullPolicy:
      isAdmin && c.imagePullPolicy
        ? (c.imagePullPolicy.toLowerCase() as CapsuleMemberSpec['imagePullPolicy'])
        : null,
    interactive: bool(c.stdin),
    tty: bool(c.tty),
  };
}

function inRange(field: string, value: number, min: number, max: number, unit: string): void {
  if (!Number.isFinite(value) || value < min || value > max)
    throw templateError(field, `must be between ${min} and ${max}${unit} (got ${value})`);
}

function mapVolumes(raw: NonNullable<RawTemplate['spec']['volumes']>): CapsuleVolumeSpec[] {
  const seen = new Map<string, number>();
  return raw.map((v, i) => {
    const first = seen.get(v.name);
    if (first !== undefined)
      throw templateError(
        `spec.volumes[${i}].name`,
        `must be unique (spec.volumes[${first}] is also named ${JSON.stringify(v.name)})`,
      );
    seen.set(v.name, i);
    const { volumeID, size } = v.cinder;
    if ((volumeID === undefined) === (size === undefined))
      throw templateError(
        `spec.volumes[${i}].cinder`,
        'must give exactly one of volumeID (an existing volume) or size (a new volume of that many GiB)',
      );
    const autoRemove = bool(v.cinder.autoRemove);
    return volumeID !== undefined
      ? { name: v.name, volumeId: volumeID, autoRemove }
      : { name: v.name, size: size as number, autoRemove };
  });
}

/** Mounts name declared volumes only, and every declared volume is mounted somewhere. */
function checkMounts(volumes: CapsuleVolumeSpec[], members: { path: string; c: CapsuleMemberSpec }[]): void {
  const declared = new Set(volumes.map((v) => v.name));
  const used = new Set<string>();
  for (const { path, c } of members) {
    c.volumeMounts.forEach((m, i) => {
      if (!declared.has(m.name))
        throw templateError(
          `${path}.volumeMounts[${i}].name`,
          `must name a volume declared in spec.volumes (${JSON.stringify(m.name)} is not declared)`,
        );
      used.add(m.name);
    });
  }
  volumes.forEach((v, i) => {
    if (!used.has(v.name))
      throw templateError(
        `spec.volumes[${i}]`,
        `must be mounted by a container or init container (no volumeMounts entry names ${JSON.stringify(v.name)})`,
      );
  });
}

/** Members share one network namespace, so two of them cannot expose the same port. */
function checkPorts(containers: CapsuleMemberSpec[]): void {
  const owner = new Map<string, number>();
  containers.forEach((c, i) => {
    for (const port of Object.keys(c.exposedPorts)) {
      const first = owner.get(port);
      if (first !== undefined)
        throw templateError(
          `spec.containers[${i}].ports`,
          `must not expose ${port} again: spec.containers[${first}] exposes it and the containers of a capsule share one network`,
        );
      owner.set(port, i);
    }
  });
}

/**
 * Members run together, so their requests add up; init containers run one at a time before
 * them, so each only has to fit on its own.
 */
function totals(
  containers: CapsuleMemberSpec[],
  inits: CapsuleMemberSpec[],
): { cpu: number; memory: string } {
  let cpu = containers.reduce((sum, c) => sum + (c.cpu ?? 0), 0);
  let memory = containers.reduce((sum, c) => sum + Number(c.memory ?? 0), 0);
  for (const c of inits) {
    cpu = Math.max(cpu, c.cpu ?? 0);
    memory = Math.max(memory, Number(c.memory ?? 0));
  }
  // Summed floats drift (0.1 + 0.2); a claim compared against a host's room must not.
  return { cpu: Math.round(cpu * 1e6) / 1e6, memory: String(memory) };
}

function stringMap(
  m: Record<string, string | number | boolean> | null | undefined,
): Record<string, string> | null {
  if (m === undefined || m === null) return null;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
}

function bool(v: Bool | undefined): boolean {
  return v === true || v === 'True' || v === 'true';
}

/** `/data/`, `/data//` and `/data/.` are the same mount point. */
function normalisePath(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

function defaultLimits(): RequestLimits {
  const option = (name: string): number =>
    Number(OPTIONS.find((o) => o.section === 'DEFAULT' && o.name === name)?.default);
  return {
    minimumCpus: option('minimum_cpus'),
    maximumCpus: option('maximum_cpus'),
    minimumMemory: option('minimum_memory'),
    maximumMemory: option('maximum_memory'),
  };
}
