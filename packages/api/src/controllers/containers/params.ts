import {
  InputError,
  InvalidParamInVersion,
  type Healthcheck,
  type RestartPolicy,
  type ZunConfig,
} from '@zun/common';
import type { ApiVersion } from '../../api-version';
import type { RequestContext } from '../../identity/context';
import { enforce } from '../../policy';
import { parseBool } from '../../validation/schema';
import { parseMounts } from './mounts';
import { parseNets, parseSecurityGroups } from './nets';
import type { CreateParams } from '../../compute/create-params';

type Body = Record<string, unknown>;

function requireVersion(v: ApiVersion, field: string, min: string, present: boolean): void {
  if (present && !v.atLeast(min)) throw new InvalidParamInVersion(field, v.toString(), min);
}

/**
 * Docker refuses a memory limit below 6 MiB; upstream's minimum_memory (4) lets such a request
 * through to end in Error, so the engine's floor applies on top of the setting.
 */
export const ENGINE_MINIMUM_MEMORY_MIB = 6;

export function rangeCheck(field: string, value: number, min: number, max: number, unit = ''): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InputError(
      `Invalid input for field/attribute ${field}. Value: ${value}. ${field} must be between ${min} and ${max}${unit}.`,
    );
  }
}

/**
 * The image driver asked for: glance only when `[glance]` is configured (zun-api and the agents
 * share zun.conf), and not together with a Docker registry.
 */
export function imageDriverOf(
  value: unknown,
  config: ZunConfig,
  registry: unknown = null,
): 'docker' | 'glance' {
  if (value !== 'glance') return 'docker';
  if (!config.glance.authUrl) {
    throw new InputError(
      'The glance image driver is not enabled on this deployment ([glance] auth_url is not set).',
    );
  }
  if (registry)
    throw new InputError('A container cannot take its image from Glance and from a registry at once.');
  return 'glance';
}

export function createParams(
  body: Body,
  v: ApiVersion,
  ctx: RequestContext,
  config: ZunConfig,
): CreateParams {
  const c = config.container;
  requireVersion(v, 'auto_remove', '1.3', body.auto_remove !== undefined);
  requireVersion(v, 'runtime', '1.5', body.runtime !== undefined);
  requireVersion(v, 'hostname', '1.9', body.hostname !== undefined);
  requireVersion(v, 'healthcheck', '1.22', !!body.healthcheck && Object.keys(body.healthcheck).length > 0);
  requireVersion(v, 'mounts', '1.11', Array.isArray(body.mounts) && body.mounts.length > 0);
  requireVersion(v, 'privileged', '1.21', body.privileged !== undefined);
  requireVersion(v, 'exposed_ports', '1.24', body.exposed_ports !== undefined);
  requireVersion(v, 'registry', '1.31', body.registry !== undefined);
  if (body.runtime) enforce(ctx, 'container:create:runtime');
  const privileged = parseBool('privileged', body.privileged, false);
  if (privileged) enforce(ctx, 'container:create:privileged');
  if (body.image_pull_policy) enforce(ctx, 'container:create:image_pull_policy');
  if (body.host) enforce(ctx, 'container:create:requested_destination');
  const securityGroups = parseSecurityGroups(body, v);
  const nets = parseNets(body.nets);
  const mounts = parseMounts(body.mounts);
  const exposedPorts = parseExposedPorts(body.exposed_ports as Body | null | undefined);
  const healthcheck = parseHealthcheck(body.healthcheck as Body | null | undefined);
  const restart = restartPolicy(body.restart_policy as Body | null | undefined);
  // The engine refuses the pair at create time; the client refuses it too, other callers get a 400.
  if (restart && restart.Name !== 'no' && body.auto_remove === true)
    throw new InputError('auto_remove cannot be used with a restart policy other than "no".');

  const cpu =
    body.cpu === undefined || body.cpu === null || body.cpu === '' ? c.defaultCpu : Number(body.cpu);
  rangeCheck('cpu', cpu, c.minimumCpus, c.maximumCpus);
  const memory = body.memory === undefined || body.memory === null ? c.defaultMemory : Number(body.memory);
  rangeCheck('memory', memory, Math.max(c.minimumMemory, ENGINE_MINIMUM_MEMORY_MIB), c.maximumMemory, ' MiB');
  let disk = 0;
  if (body.disk !== undefined && body.disk !== null) {
    disk = Number(body.disk);
    rangeCheck('disk', disk, c.minimumDisk, c.maximumDisk, ' GiB');
  }

  let command: string[] | null = null;
  if (Array.isArray(body.command)) command = body.command.map(String);
  else if (typeof body.command === 'string') command = splitCommand(body.command);

  const interactive = parseBool('interactive', body.interactive, false);
  // 1.20–1.35: the server derives tty from interactive; from 1.36 the client sends tty itself.
  const tty = v.atLeast('1.20') && !v.atLeast('1.36') ? interactive : parseBool('tty', body.tty, false);

  return {
    name: (body.name as string | null | undefined) ?? null,
    image: body.image as string,
    command,
    entrypoint: Array.isArray(body.entrypoint) ? body.entrypoint.map(String) : null,
    cpu,
    memory: String(memory),
    disk,
    environment: (body.environment as Record<string, string> | null) ?? {},
    workdir: (body.workdir as string | null | undefined) ?? null,
    labels: Object.fromEntries(
      Object.entries((body.labels as Body | null) ?? {}).map(([k, val]) => [k, String(val)]),
    ),
    imagePullPolicy: body.image_pull_policy ? String(body.image_pull_policy).toLowerCase() : null,
    restartPolicy: restart,
    interactive,
    tty,
    autoRemove: body.auto_remove === true,
    autoHeal: parseBool('auto_heal', body.auto_heal, false),
    privileged,
    exposedPorts,
    healthcheck,
    hostname: (body.hostname as string | undefined) ?? null,
    runtime: (body.runtime as string | null | undefined) ?? null,
    availabilityZone: (body.availability_zone as string | null | undefined) ?? null,
    requestedHost: (body.host as string | undefined) ?? null,
    hints: (body.hints as Record<string, unknown> | null) ?? {},
    cpuPolicy: body.cpu_policy === 'dedicated' ? 'dedicated' : 'shared',
    nets,
    mounts,
    securityGroups,
    registry: typeof body.registry === 'string' && body.registry ? body.registry : null,
    imageDriver: imageDriverOf(body.image_driver, config, body.registry),
  };
}

function restartPolicy(rp: Body | null | undefined): RestartPolicy | null {
  if (!rp) return null;
  const name = String(rp.Name);
  let count =
    rp.MaximumRetryCount === undefined || rp.MaximumRetryCount === null ? '0' : String(rp.MaximumRetryCount);
  if (name === 'no') count = '0';
  if ((name === 'always' || name === 'unless-stopped') && count !== '0') {
    throw new InputError(`maximum retry count not valid with restart policy of ${name}`);
  }
  return { Name: name, MaximumRetryCount: count };
}

/** `{"80": {}, "53/udp": {}}` → `{"80/tcp": {}, "53/udp": {}}`; anything else is refused. */
export function parseExposedPorts(
  ports: Body | null | undefined,
): Record<string, Record<string, never>> | null {
  if (!ports || Object.keys(ports).length === 0) return null;
  const out: Record<string, Record<string, never>> = {};
  for (const key of Object.keys(ports)) {
    const m = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(key.trim());
    const port = m ? Number(m[1]) : NaN;
    if (!m || port < 1 || port > 65535) {
      throw new InputError(
        `Invalid exposed port "${key}": expected <port>[/<protocol>] with a port from 1 to 65535 and protocol tcp or udp.`,
      );
    }
    out[`${port}/${(m[2] ?? 'tcp').toLowerCase()}`] = {};
  }
  return out;
}

const HEALTHCHECK_KEYS = ['cmd', 'test', 'interval', 'retries', 'timeout'];

/**
 * The client sends `{cmd, interval, retries, timeout}` (seconds). Upstream does not check the
 * inner keys and the engine then fails the create; they are checked here so a bad value is a
 * 400 rather than a container in Error.
 */
export function parseHealthcheck(hc: Body | null | undefined): Healthcheck | null {
  if (!hc || Object.keys(hc).length === 0) return null;
  for (const k of Object.keys(hc)) {
    if (!HEALTHCHECK_KEYS.includes(k))
      throw new InputError(`Invalid healthcheck key "${k}": allowed are cmd, interval, retries, timeout.`);
  }
  const test = hc.cmd ?? hc.test;
  if (typeof test !== 'string' || test.trim() === '')
    throw new InputError('healthcheck needs a non-empty "cmd": the command that checks the container.');
  const out: Healthcheck = { test };
  for (const k of ['interval', 'retries', 'timeout'] as const) {
    const raw = hc[k];
    if (raw === undefined || raw === null) continue;
    const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 86400 * 365)
      throw new InputError(`Invalid healthcheck ${k} "${String(raw)}": must be a whole number ≥ 0.`);
    out[k] = n;
  }
  return out;
}

/**
 * Below 1.20 the command is one string that the server splits as Python's shlex.split does
 * (quotes and backslashes only: no globbing, variables or comments, which a shell would add).
 */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1])) word += cmd[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < cmd.length) {
      word += cmd[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new InputError(`Invalid command "${cmd}": no closing quotation`);
  if (inWord) words.push(word);
  return words;
}
