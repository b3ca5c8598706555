import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { OptionValues } from './config-values';

/**
 * Settings for every daemon, read from an OpenStack-style zun.conf (path in $ZUN_CONFIG,
 * else /etc/zun/zun.conf when present) and overridden by environment variables named
 * ZUN_<SECTION>_<OPTION> (e.g. ZUN_API_PORT=9517, ZUN_DEFAULT_HOST=node1). The options, their
 * types, defaults and meaning are declared once, in config-options.ts.
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
  /** Image of capsule sandboxes (the namespaces' holder); the API records it, the agent runs it. */
  sandboxImage: string;
  database: { connection: string };
  api: { host: string; port: number; maxLimit: number; publicUrl: string | undefined };
  identity: {
    tokenExpiration: number;
    regionName: string;
    adminPassword: string;
    demoPassword: string;
    /** Public URL of the container endpoint written into the service catalog. */
    containerEndpoint: string | undefined;
    /** Failed password logins tolerated per user name / per client address (0: no limit). */
    loginFailuresPerUser: number;
    loginFailuresPerSource: number;
    /** Seconds over which failures are counted, and seconds a lock lasts. */
    loginFailureWindow: number;
    loginLockout: number;
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
    /** Per container; -1 for none. */
    pidsLimit: number;
    logMaxSize: string;
    logMaxFiles: number;
    /** Host address exposed ports are published on. */
    publishAddress: string;
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
  /** The service credential and endpoint for Glance; authUrl undefined: the driver is disabled. */
  glance: {
    authUrl: string | undefined;
    apiServers: string | undefined;
    username: string;
    password: string;
    projectName: string;
    userDomainName: string;
    projectDomainName: string;
    regionName: string;
    timeoutS: number;
  };
  /** An external Keystone validating tokens; authUrl undefined: the built-in identity serves. */
  keystoneAuthtoken: {
    authUrl: string | undefined;
    wwwAuthenticateUri: string | undefined;
    authType: 'password';
    username: string;
    password: string;
    projectName: string;
    userDomainName: string;
    projectDomainName: string;
    tokenCacheSize: number;
    tokenCacheTimeS: number;
    revocationPollIntervalS: number;
    maxRetries: number;
    timeoutS: number;
  };
  /** zun-console: where it listens and the zun-api it forwards to. */
  console: { host: string; port: number; apiUrl: string };
  /** Project limits when neither the project nor the quota class `default` sets one (-1: none). */
  quota: { driver: 'db' | 'noop'; containers: number; memory: number; cpu: number; disk: number };
  /** The policy files, resolved against zun.conf's folder (oslo.policy's lookup). */
  policy: { file: string; dirs: string[] };
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

function besideConfig(configFile: string | undefined, p: string): string {
  return path.resolve(configFile ? path.dirname(configFile) : process.cwd(), p);
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.ZUN_CONFIG) return env.ZUN_CONFIG;
  return existsSync('/etc/zun/zun.conf') ? '/etc/zun/zun.conf' : undefined;
}

/**
 * Reads and checks the settings (see config-options.ts for every option, its type, default and
 * meaning). Throws one error listing every problem: an unknown section or key (with a
 * suggestion), or a value of the wrong type.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ZunConfig {
  return configFrom(new OptionValues(configFilePath(env), env));
}

/** Maps the checked values onto ZunConfig; exported for the test that every option is read. */
export function configFrom(v: OptionValues): ZunConfig {
  const wsHost = v.str('websocket_proxy', 'wsproxy_host');
  const wsPort = v.num('websocket_proxy', 'wsproxy_port');
  return {
    host: v.optional('DEFAULT', 'host') ?? hostname(),
    debug: v.bool('DEFAULT', 'debug'),
    logFormat: v.str('DEFAULT', 'log_format') === 'text' ? 'text' : 'json',
    serviceDownTime: v.num('DEFAULT', 'service_down_time'),
    gracefulShutdownTimeout: v.num('DEFAULT', 'graceful_shutdown_timeout'),
    defaultAvailabilityZone: v.str('DEFAULT', 'default_availability_zone'),
    authEncryptionKey: v.str('DEFAULT', 'auth_encryption_key'),
    sandboxImage: v.str('DEFAULT', 'sandbox_image'),
    database: { connection: v.str('database', 'connection') },
    api: {
      host: v.str('api', 'host_ip'),
      port: v.num('api', 'port'),
      maxLimit: v.num('api', 'max_limit'),
      publicUrl: v.optional('api', 'public_url'),
    },
    identity: {
      tokenExpiration: v.num('identity', 'token_expiration'),
      regionName: v.str('identity', 'region_name'),
      adminPassword: v.str('identity', 'admin_password'),
      demoPassword: v.str('identity', 'demo_password'),
      containerEndpoint: v.optional('identity', 'container_endpoint'),
      loginFailuresPerUser: v.num('identity', 'login_failures_per_user'),
      loginFailuresPerSource: v.num('identity', 'login_failures_per_source'),
      loginFailureWindow: v.num('identity', 'login_failure_window'),
      loginLockout: v.num('identity', 'login_lockout'),
    },
    compute: {
      listenHost: v.str('compute', 'listen_host'),
      listenPort: v.num('compute', 'listen_port'),
      advertiseUrl: v.optional('compute', 'advertise_url'),
      serviceToken: v.str('compute', 'service_token'),
      reservedHostMemoryMb: v.num('compute', 'reserved_host_memory_mb'),
      reservedHostCpus: v.num('compute', 'reserved_host_cpus'),
      enableCpuPinning: v.bool('compute', 'enable_cpu_pinning'),
      cpuAllocationRatio: v.num('compute', 'cpu_allocation_ratio'),
      ramAllocationRatio: v.num('compute', 'ram_allocation_ratio'),
      diskAllocationRatio: v.num('compute', 'disk_allocation_ratio'),
      reserveDiskForImage: v.num('compute', 'reserve_disk_for_image'),
      heartbeatInterval: v.num('compute', 'heartbeat_interval'),
      syncContainerStateInterval: v.num('compute', 'sync_container_state_interval'),
      taskPollInterval: v.num('compute', 'task_poll_interval'),
      networkIdleTimeout: v.num('compute', 'network_idle_timeout'),
      orphanClaimGrace: v.num('compute', 'orphan_claim_grace'),
      statePath: v.str('compute', 'state_path'),
    },
    docker: {
      socketPath: v.str('docker', 'socket_path'),
      stopTimeout: v.num('docker', 'default_timeout'),
      executeTimeout: v.num('docker', 'execute_timeout'),
      defaultRegistry: v.str('docker', 'default_registry'),
      defaultRegistryUsername: v.str('docker', 'default_registry_username'),
      defaultRegistryPassword: v.str('docker', 'default_registry_password'),
      pidsLimit: v.num('docker', 'pids_limit'),
      logMaxSize: v.str('docker', 'log_max_size'),
      logMaxFiles: v.num('docker', 'log_max_files'),
      publishAddress: v.str('docker', 'publish_address'),
    },
    websocketProxy: {
      baseUrl: v.optional('websocket_proxy', 'base_url') ?? `ws://${wsHost}:${wsPort}/`,
      host: wsHost,
      port: wsPort,
      allowedOrigins: v.list('websocket_proxy', 'allowed_origins'),
      tokenTtl: v.num('websocket_proxy', 'token_ttl'),
      maxPayload: v.num('websocket_proxy', 'max_payload'),
    },
    glance: {
      authUrl: v.optional('glance', 'auth_url'),
      apiServers: v.optional('glance', 'api_servers'),
      username: v.str('glance', 'username'),
      password: v.str('glance', 'password'),
      projectName: v.str('glance', 'project_name'),
      userDomainName: v.str('glance', 'user_domain_name'),
      projectDomainName: v.str('glance', 'project_domain_name'),
      regionName: v.str('glance', 'region_name'),
      timeoutS: v.num('glance', 'timeout'),
    },
    keystoneAuthtoken: {
      authUrl: v.optional('keystone_authtoken', 'auth_url'),
      wwwAuthenticateUri:
        v.optional('keystone_authtoken', 'www_authenticate_uri') ??
        v.optional('keystone_authtoken', 'auth_url'),
      authType: v.str('keystone_authtoken', 'auth_type') as 'password',
      username: v.str('keystone_authtoken', 'username'),
      password: v.str('keystone_authtoken', 'password'),
      projectName: v.str('keystone_authtoken', 'project_name'),
      userDomainName: v.str('keystone_authtoken', 'user_domain_name'),
      projectDomainName: v.str('keystone_authtoken', 'project_domain_name'),
      tokenCacheSize: v.num('keystone_authtoken', 'token_cache_size'),
      tokenCacheTimeS: v.num('keystone_authtoken', 'token_cache_time'),
      revocationPollIntervalS: v.num('keystone_authtoken', 'revocation_poll_interval'),
      maxRetries: v.num('keystone_authtoken', 'http_request_max_retries'),
      timeoutS: v.num('keystone_authtoken', 'timeout'),
    },
    console: {
      host: v.str('console', 'host'),
      port: v.num('console', 'port'),
      apiUrl: v.optional('console', 'api_url') ?? `http://${v.str('api', 'host_ip')}:${v.num('api', 'port')}`,
    },
    quota: {
      driver: v.str('quota', 'driver') as 'db' | 'noop',
      containers: v.num('quota', 'containers'),
      memory: v.num('quota', 'memory'),
      cpu: v.num('quota', 'cpu'),
      disk: v.num('quota', 'disk'),
    },
    policy: {
      file: besideConfig(v.file, v.str('oslo_policy', 'policy_file')),
      dirs: v.list('oslo_policy', 'policy_dirs').map((d) => besideConfig(v.file, d)),
    },
    scheduler: {
      enabledFilters: v.list('scheduler', 'enabled_filters'),
      maxAttempts: v.num('scheduler', 'max_attempts'),
      weigher: v.str('scheduler', 'weigher') === 'pack' ? 'pack' : 'spread',
      hostStateTtl: v.num('scheduler', 'host_state_ttl'),
    },
    container: {
      defaultCpu: v.num('DEFAULT', 'default_cpu'),
      defaultMemory: v.num('DEFAULT', 'default_memory'),
      minimumCpus: v.num('DEFAULT', 'minimum_cpus'),
      maximumCpus: v.num('DEFAULT', 'maximum_cpus'),
      minimumMemory: v.num('DEFAULT', 'minimum_memory'),
      maximumMemory: v.num('DEFAULT', 'maximum_memory'),
      minimumDisk: v.num('DEFAULT', 'minimum_disk'),
      maximumDisk: v.num('DEFAULT', 'maximum_disk'),
    },
  };
}
