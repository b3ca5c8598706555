import type { Healthcheck, MountRequest, RestartPolicy } from '@zun/common';

/**
 * A create request after the controller validated it: what the row will hold plus request-only
 * scheduling inputs. The service layer takes this, never the HTTP body.
 */
export interface CreateParams {
  name: string | null;
  image: string;
  command: string[] | null;
  entrypoint: string[] | null;
  cpu: number;
  memory: string;
  disk: number;
  environment: Record<string, string>;
  workdir: string | null;
  labels: Record<string, string>;
  imagePullPolicy: string | null;
  restartPolicy: RestartPolicy | null;
  interactive: boolean;
  tty: boolean;
  autoRemove: boolean;
  autoHeal: boolean;
  privileged: boolean;
  exposedPorts: Record<string, Record<string, never>> | null;
  healthcheck: Healthcheck | null;
  hostname: string | null;
  runtime: string | null;
  availabilityZone: string | null;
  requestedHost: string | null;
  hints: Record<string, unknown>;
  /** 'dedicated' pins whole CPUs of one NUMA node on hosts that enable pinning. */
  cpuPolicy: 'shared' | 'dedicated';
  /** Project network names, primary first (see ./nets.ts). */
  nets: string[];
  mounts: MountRequest[];
  securityGroups: string[];
  /** Registry uuid or name (≥1.31), resolved in the caller's scope when the row is made. */
  registry: string | null;
  /** Where the image comes from: a Docker registry, or Glance (NAME_OR_ID of a Glance image). */
  imageDriver: 'docker' | 'glance';
}
