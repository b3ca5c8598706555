import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parse } from 'ini';

/**
 * Settings for every daemon, read from an OpenStack-style zun.conf (path in $ZUN_CONFIG,
 * else /etc/zun/zun.conf when present) and overridden by environment variables named
 * ZUN_<SECTION>_<OPTION> (e.g. ZUN_API_PORT=9517, ZUN_DEFAULT_HOST=node1).
 * Option names and defaults follow upstream Zun where it has them.
 */
export interface ZunConfig {
  host: string;
  debug: boolean;
  logFormat: 'json' | 'text';
  serviceDownTime: number;
  /** Seconds a stopping daemon waits for work in flight before it exits anyway (0: no limit). */
  gracefulShutdownTimeout: number;
  defaultAvailabilityZone: string;
  /** Seals registry passwords at rest; the API and every agent need the same value. */
  authEncryptionKey: string;
  database: { connection: string };
  api: { host: string; port: number; maxLimit: number; publicUrl: string | undefined };
  identity: {
    tokenExpiration: number;
    regionName: string;
    adminPassword: string;
    demoPassword: string;
    /** Public URL of the container endpoint written into the service catalog. */
    containerEndpoint: string | undefined;
  };
  compute: {
    listenHost: string;
    listenPort: number;
    /** Where the API reaches this agent; defaults to http://<listenHost>:<listenPort>. */
    advertiseUrl: string | undefined;
    /** Shared secret that the API presents to agents (the service credential). */
    serviceToken: string;
    reservedHostMemoryMb: number;
    reservedHostCpus: number;
    /** Offer whole CPUs to `dedicated` containers (CpuSetFilter, cpuset claims). */
    enableCpuPinning: boolean;
    cpuAllocationRatio: number;
    ramAllocationRatio: number;
    diskAllocationRatio: number;
    reserveDiskForImage: number;
    heartbeatInterval: number;
    syncContainerStateInterval: number;
    taskPollInterval: number;
    /**
     * Seconds a project network stays after its last container left it (0: removed at once), so
     * a project that deletes and creates containers does not pay for a new bridge each time.
     */
    networkIdleTimeout: number;
    /**
     * Seconds a claim may exist without its container row before the reconcile releases it. The
     * API claims first and records the row right after, so only a zun-api that died in between
     * leaves such a claim; the grace covers a slow commit.
     */
    orphanClaimGrace: number;
    /** Where the agent keeps files it owns on its host (e.g. injected bind-mount files). */
    statePath: string;
  };
  docker: {
    socketPath: string;
    stopTimeout: number;
    executeTimeout: number;
    /** host[:port] put in front of image names that name no registry (empty: none). */
    defaultRegistry: string;
    /** Credentials for pulls from defaultRegistry (empty username: anonymous). Never logged. */
    defaultRegistryUsername: string;
    defaultRegistryPassword: string;
  };
  websocketProxy: {
    /** What the API hands out in attach/exec URLs (ws:// or wss://). */
    baseUrl: string;
    host: string;
    port: number;
    /** Exact browser origins allowed besides the proxy's own (scheme://host[:port]). */
    allowedOrigins: string[];
    /** Seconds a freshly issued attach/exec token stays usable (single use). */
    tokenTtl: number;
    /** Largest WebSocket message accepted from a client or an agent, in bytes. */
    maxPayload: number;
  };
  scheduler: {
    enabledFilters: string[];
    maxAttempts: number;
    /** Host ranking among those that pass the filters: 'spread' (default) or 'pack'. */
    weigher: 'spread' | 'pack';
    /** Seconds the API schedules from one snapshot (plus its own placements). */
    hostStateTtl: number;
  };
  container: {
    defaultCpu: number;
    defaultMemory: number;
    minimumCpus: number;
    maximumCpus: number;
    minimumMemory: number;
    maximumMemory: number;
    minimumDisk: number;
    maximumDisk: number;
  };
}

type Raw = Record<string, Record<string, string>>;

const SECTIONS = [
  'DEFAULT',
  'database',
  'api',
  'identity',
  'compute',
  'docker',
  'scheduler',
  'websocket_proxy',
];

function readRaw(file: string | undefined, env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = {};
  for (const s of SECTIONS) raw[s] = {};
  if (file) {
    const parsed = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [k, v] of Object.entries(parsed)) {
      if (v !== null && typeof v === 'object') {
        raw[k] = { ...(raw[k] ?? {}), ...stringify(v as Record<string, unknown>) };
      } else {
        // ini puts keys before the first [section] at top level: treat them as [DEFAULT].
        raw.DEFAULT[k] = String(v);
      }
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('ZUN_') || value === undefined) continue;
    const rest = name.slice(4);
    const section = SECTIONS.find((s) => rest.toUpperCase().startsWith(`${s.toUpperCase()}_`));
    if (!section) continue;
    raw[section][rest.slice(section.length + 1).toLowerCase()] = value;
  }
  return raw;
}

function stringify(obj: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = String(v);
  return out;
}

function weigherOption(v: string): 'spread' | 'pack' {
  if (v === 'spread' || v === 'pack') return v;
  throw new Error(`config: [scheduler] weigher must be spread or pack, got "${v}"`);
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ZUN_CONFIG) return env.ZUN_CONFIG;
  return existsSync('/etc/zun/zun.conf') ? '/etc/zun/zun.conf' : undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ZunConfig {
  const raw = readRaw(configFilePath(env), env);
  const str = (s: string, k: string, d: string): string => raw[s]?.[k] ?? d;
  const opt = (s: string, k: string): string | undefined => raw[s]?.[k] || undefined;
  const num = (s: string, k: string, d: number): number => {
    const v = raw[s]?.[k];
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`config: [${s}] ${k} must be a number, got "${v}"`);
    return n;
  };
  const bool = (s: string, k: string, d: boolean): boolean => {
    const v = raw[s]?.[k];
    return v === undefined ? d : /^(1|true|yes|on)$/i.test(v);
  };
  const list = (s: string, k: string, d: string[]): string[] => {
    const v = raw[s]?.[k];
    return v === undefined
      ? d
      : v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
  };

  const compute = {
    listenHost: str('compute', 'listen_host', '127.0.0.1'),
    listenPort: num('compute', 'listen_port', 9518),
    advertiseUrl: opt('compute', 'advertise_url'),
    serviceToken: str('compute', 'service_token', ''),
    reservedHostMemoryMb: num('compute', 'reserved_host_memory_mb', 512),
    reservedHostCpus: num('compute', 'reserved_host_cpus', 0),
    enableCpuPinning: bool('compute', 'enable_cpu_pinning', false),
    cpuAllocationRatio: num('compute', 'cpu_allocation_ratio', 16.0),
    ramAllocationRatio: num('compute', 'ram_allocation_ratio', 1.5),
    diskAllocationRatio: num('compute', 'disk_allocation_ratio', 1.0),
    reserveDiskForImage: num('compute', 'reserve_disk_for_image', 0.2),
    heartbeatInterval: num('compute', 'heartbeat_interval', 10),
    syncContainerStateInterval: num('compute', 'sync_container_state_interval', 15),
    taskPollInterval: num('compute', 'task_poll_interval', 5),
    networkIdleTimeout: num('compute', 'network_idle_timeout', 600),
    orphanClaimGrace: num('compute', 'orphan_claim_grace', 60),
    statePath: str('compute', 'state_path', '/var/lib/zun'),
  };
  const wsHost = str('websocket_proxy', 'wsproxy_host', '127.0.0.1');
  const wsPort = num('websocket_proxy', 'wsproxy_port', 6784);
  const wsproxy = {
    baseUrl: str('websocket_proxy', 'base_url', `ws://${wsHost}:${wsPort}/`),
    host: wsHost,
    port: wsPort,
    allowedOrigins: list('websocket_proxy', 'allowed_origins', []),
    tokenTtl: num('websocket_proxy', 'token_ttl', 30),
    maxPayload: num('websocket_proxy', 'max_payload', 64 * 1024),
  };
  return {
    host: str('DEFAULT', 'host', hostname()),
    debug: bool('DEFAULT', 'debug', false),
    logFormat: str('DEFAULT', 'log_format', 'json') === 'text' ? 'text' : 'json',
    serviceDownTime: num('DEFAULT', 'service_down_time', 180),
    gracefulShutdownTimeout: num('DEFAULT', 'graceful_shutdown_timeout', 60),
    defaultAvailabilityZone: str('DEFAULT', 'default_availability_zone', 'nova'),
    authEncryptionKey: str('DEFAULT', 'auth_encryption_key', ''),
    database: { connection: str('database', 'connection', 'postgres://zun:zun@127.0.0.1:5432/zun') },
    api: {
      host: str('api', 'host_ip', '127.0.0.1'),
      port: num('api', 'port', 9517),
      maxLimit: num('api', 'max_limit', 1000),
      publicUrl: opt('api', 'public_url'),
    },
    identity: {
      tokenExpiration: num('identity', 'token_expiration', 3600),
      regionName: str('identity', 'region_name', 'RegionOne'),
      adminPassword: str('identity', 'admin_password', ''),
      demoPassword: str('identity', 'demo_password', ''),
      containerEndpoint: opt('identity', 'container_endpoint'),
    },
    compute,
    docker: {
      socketPath: str('docker', 'socket_path', '/var/run/docker.sock'),
      stopTimeout: num('docker', 'default_timeout', 10),
      executeTimeout: num('docker', 'execute_timeout', 5),
      defaultRegistry: str('docker', 'default_registry', ''),
      defaultRegistryUsername: str('docker', 'default_registry_username', ''),
      defaultRegistryPassword: str('docker', 'default_registry_password', ''),
    },
    websocketProxy: wsproxy,
    scheduler: {
      enabledFilters: list('scheduler', 'enabled_filters', [
        'AvailabilityZoneFilter',
        'ComputeFilter',
        'RuntimeFilter',
        'CPUFilter',
        'RamFilter',
      ]),
      // Hosts tried in turn when a claim is refused (stale snapshot) before the create fails.
      maxAttempts: num('scheduler', 'max_attempts', 3),
      // Not an upstream option (upstream has no weighers: first passing host in node-uuid order).
      weigher: weigherOption(str('scheduler', 'weigher', 'spread')),
      // Seconds the API schedules from one host snapshot (plus its own placements) before re-reading.
      hostStateTtl: num('scheduler', 'host_state_ttl', 1),
    },
    container: {
      defaultCpu: num('DEFAULT', 'default_cpu', 1.0),
      defaultMemory: num('DEFAULT', 'default_memory', 512),
      minimumCpus: num('DEFAULT', 'minimum_cpus', 0.1),
      maximumCpus: num('DEFAULT', 'maximum_cpus', 16.0),
      minimumMemory: num('DEFAULT', 'minimum_memory', 4),
      maximumMemory: num('DEFAULT', 'maximum_memory', 8192),
      minimumDisk: num('DEFAULT', 'minimum_disk', 1),
      maximumDisk: num('DEFAULT', 'maximum_disk', 160),
    },
  };
}
