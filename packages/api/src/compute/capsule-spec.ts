/**
 * A capsule template after validation: what `POST /v1/capsules/` turns a user's YAML/JSON pod
 * template into before anything is recorded. The template parser (controllers/capsules/template.ts) produces it;
 * the compute API records and schedules from it, so nothing downstream reads the raw template.
 */

/** One member or init container of a capsule, mapped to container fields. */
export interface CapsuleMemberSpec {
  image: string;
  /** `command` followed by `args` (`args` alone become the command); null when neither is given. */
  command: string[] | null;
  /** `resources.requests.cpu`, vCPUs; null when not requested. */
  cpu: number | null;
  /** `resources.requests.memory`, whole MiB as a string (containers' convention); null when not requested. */
  memory: string | null;
  /** `ports` as `{"<containerPort>/<tcp|udp>": {}}`. */
  exposedPorts: Record<string, Record<string, never>>;
  volumeMounts: { name: string; mountPath: string; readOnly: boolean }[];
  environment: Record<string, string>;
  workdir: string | null;
  /** Lower-cased pull policy; null when not given or when the caller is not an admin. */
  imagePullPolicy: 'always' | 'ifnotpresent' | 'never' | null;
  interactive: boolean;
  tty: boolean;
}

/** A declared volume: a new local volume of `size` GiB, or an existing volume of the project. */
export type CapsuleVolumeSpec =
  | { name: string; size: number; autoRemove: boolean }
  | { name: string; volumeId: string; autoRemove: boolean };

export type CapsuleRestartPolicy = 'always' | 'on-failure' | 'no';

export interface CapsuleSpec {
  /** `metadata.name`, or null. */
  name: string | null;
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
  availabilityZone: string | null;
  /** `spec.restartPolicy` mapped (Always → always, OnFailure → on-failure, Never → no); default always. */
  restartPolicy: CapsuleRestartPolicy;
  initContainers: CapsuleMemberSpec[];
  containers: CapsuleMemberSpec[];
  volumes: CapsuleVolumeSpec[];
  /**
   * What the capsule asks of a host: the members' requests summed, then raised to any single init
   * container's request (init containers run one at a time, before the members).
   */
  cpu: number;
  /** Same rule as cpu, whole MiB as a string; "0" when nothing is requested. */
  memory: string;
}
