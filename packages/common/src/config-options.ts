/**
 * Every zun.conf option, declared once: loadConfig reads and checks values against this table,
 * and the example deploy/zun.conf.example is generated from it (`npm run config-sample`).
 * Names and defaults follow upstream Zun where it has them.
 */

export const SECTIONS = [
  'DEFAULT',
  'database',
  'api',
  'identity',
  'compute',
  'docker',
  'websocket_proxy',
  'console',
  'scheduler',
  'oslo_policy',
  'quota',
  'glance',
  'keystone_authtoken',
] as const;

export type Section = (typeof SECTIONS)[number];

export type OptionType = 'string' | 'int' | 'float' | 'bool' | 'list' | 'enum';

export interface OptionDecl {
  section: Section;
  name: string;
  type: OptionType;
  /** null: unset (the option is optional, or its default is computed, see defaultText). */
  default: string | number | boolean | readonly string[] | null;
  /** What the option does and why one would change it (written into the example). */
  help: string;
  /** For enum options: the accepted values. */
  choices?: readonly string[];
  /** How the example shows a computed default (e.g. the machine's host name). */
  defaultText?: string;
  /**
   * A value the example sets (uncommented) because a deployment must choose it, e.g. a
   * password placeholder or the database URL.
   */
  sample?: string;
}

export const SECTION_HELP: Record<Section, string> = {
  DEFAULT: 'Settings of every daemon, and the size limits of containers.',
  database: 'The PostgreSQL database: the one source of truth every daemon connects to.',
  api: 'zun-api, the HTTP API that the zun CLI talks to.',
  identity:
    'The built-in Keystone v3 subset at /identity/v3 (users admin and demo are created on first start).',
  compute:
    'zun-compute, the agent of one container host. Its endpoint refuses every caller without the service credential; keep it on a management network.',
  docker: "The compute agent's Docker engine and image pulls.",
  websocket_proxy:
    "zun-wsproxy: clients open attach/exec sessions here; it relays them to the container's agent.",
  console:
    'zun-console, the web console: serves the browser app and forwards /v1 and /identity to zun-api, so the browser talks to one origin.',
  scheduler: 'Placement of new containers, done by zun-api.',
  quota:
    'What a project may use at most unless it has limits of its own or the quota class `default` says otherwise (-1: unlimited). Changed at run time with `zun quota-update` and `zun quota-class-update default`.',
  glance:
    'The Glance image service, for containers made with `--image-driver glance` and for commits of such containers. zun-compute and zun-api talk to Keystone and Glance with the service credential below; unset auth_url leaves the glance image driver disabled.',
  keystone_authtoken:
    "An external Keystone that validates every token in place of the built-in identity (set auth_url to turn it on; the built-in /identity routes and users are then off). zun-api validates with its own service credential below, caches answers (bounded, never past a token's expiry) and polls Keystone's revocation events, so a revoked token is refused within revocation_poll_interval plus one request to Keystone.",
  oslo_policy:
    "Who may do what: zun-api's policy rules, overridden by the operator's files in oslo.policy's language.",
};

export const OPTIONS: readonly OptionDecl[] = [
  // [DEFAULT]
  {
    section: 'DEFAULT',
    name: 'host',
    type: 'string',
    default: null,
    defaultText: "the machine's host name",
    help: "Name under which this zun-compute registers its host; must be unique per agent, because each agent is the only writer of its host's claims.",
  },
  {
    section: 'DEFAULT',
    name: 'debug',
    type: 'bool',
    default: false,
    help: 'Log at debug level (ZUN_LOG_LEVEL, when set, wins). Turn on to follow a problem; it is verbose.',
  },
  {
    section: 'DEFAULT',
    name: 'log_format',
    type: 'enum',
    choices: ['json', 'text'],
    default: 'json',
    help: 'json: one JSON object per line, for log collectors; text: one readable line per entry, for a terminal.',
  },
  {
    section: 'DEFAULT',
    name: 'service_down_time',
    type: 'int',
    default: 180,
    help: 'Seconds after its last heartbeat a service counts as down (and is no longer scheduled to). Raise it if agents miss heartbeats under load.',
  },
  {
    section: 'DEFAULT',
    name: 'graceful_shutdown_timeout',
    type: 'float',
    default: 60,
    help: 'Seconds a stopping daemon (SIGTERM) waits for the work in flight (requests, tasks, sessions) before it exits anyway; 0: no limit. Raise it if long pulls or sessions must finish across a restart.',
  },
  {
    section: 'DEFAULT',
    name: 'default_availability_zone',
    type: 'string',
    default: 'nova',
    help: 'Availability zone of hosts that name none; containers that ask for no zone may go to any.',
  },
  {
    section: 'DEFAULT',
    name: 'auth_encryption_key',
    type: 'string',
    default: '',
    sample: 'CHANGE-ME-LONG-RANDOM',
    help: 'Seals the passwords of private registries in the database. zun-api and every zun-compute need the same value (the agents unseal when they pull); changing it makes stored passwords unusable. Unset: registry passwords cannot be stored.',
  },
  {
    section: 'DEFAULT',
    name: 'sandbox_image',
    type: 'string',
    default: '127.0.0.1:5000/zun-sandbox',
    help: "Image of a capsule's sandbox container, which holds the network and IPC namespaces its members join and does nothing else (upstream: kubernetes/pause). Pulled if missing on the host. npm start and the tests build it locally from busybox-static (a PID 1 that sleeps and exits on SIGTERM) and push it to their local registry; any image whose command runs until SIGTERM will do.",
  },
  {
    section: 'DEFAULT',
    name: 'default_cpu',
    type: 'float',
    default: 1.0,
    help: 'vCPUs a container gets when the request names none.',
  },
  {
    section: 'DEFAULT',
    name: 'default_memory',
    type: 'int',
    default: 512,
    help: 'Memory (MiB) a container gets when the request names none.',
  },
  {
    section: 'DEFAULT',
    name: 'minimum_cpus',
    type: 'float',
    default: 0.1,
    help: 'Smallest cpu a request may ask for; smaller requests are refused with 400.',
  },
  {
    section: 'DEFAULT',
    name: 'maximum_cpus',
    type: 'float',
    default: 16.0,
    help: 'Largest cpu a request may ask for; larger requests are refused with 400.',
  },
  {
    section: 'DEFAULT',
    name: 'minimum_memory',
    type: 'int',
    default: 4,
    help: 'Smallest memory (MiB) a request may ask for.',
  },
  {
    section: 'DEFAULT',
    name: 'maximum_memory',
    type: 'int',
    default: 8192,
    help: 'Largest memory (MiB) a request may ask for.',
  },
  {
    section: 'DEFAULT',
    name: 'minimum_disk',
    type: 'int',
    default: 1,
    help: 'Smallest disk (GiB) a request may ask for.',
  },
  {
    section: 'DEFAULT',
    name: 'maximum_disk',
    type: 'int',
    default: 160,
    help: 'Largest disk (GiB) a request may ask for.',
  },
  // [database]
  {
    section: 'database',
    name: 'connection',
    type: 'string',
    default: 'postgres://zun:zun@127.0.0.1:5432/zun',
    sample: 'postgres://zun:CHANGE-ME@db.example.org:5432/zun',
    help: 'PostgreSQL URL (postgres://user:password@host:port/database). Every daemon needs it.',
  },
  // [api]
  {
    section: 'api',
    name: 'host_ip',
    type: 'string',
    default: '127.0.0.1',
    help: 'Address zun-api listens on; 0.0.0.0 to serve other machines.',
  },
  {
    section: 'api',
    name: 'port',
    type: 'int',
    default: 9517,
    help: 'Port zun-api listens on.',
  },
  {
    section: 'api',
    name: 'max_limit',
    type: 'int',
    default: 1000,
    help: 'Most items one list page returns, whatever the request asks for.',
  },
  {
    section: 'api',
    name: 'public_url',
    type: 'string',
    default: null,
    defaultText: "the request's own scheme and host",
    help: 'URL in links and version documents, e.g. when a TLS terminator or load balancer is in front.',
  },
  // [identity]
  {
    section: 'identity',
    name: 'token_expiration',
    type: 'int',
    default: 3600,
    help: 'Seconds a token stays valid.',
  },
  {
    section: 'identity',
    name: 'region_name',
    type: 'string',
    default: 'RegionOne',
    help: 'Region of the endpoints in the service catalog (what clients pass as OS_REGION_NAME).',
  },
  {
    section: 'identity',
    name: 'admin_password',
    type: 'string',
    default: '',
    sample: 'CHANGE-ME',
    help: 'Password of the user admin, set when zun-api starts. Unset: the identity users are not created or changed.',
  },
  {
    section: 'identity',
    name: 'demo_password',
    type: 'string',
    default: '',
    sample: 'CHANGE-ME',
    help: 'Password of the user demo (a member of the demo project). Unset: no demo user.',
  },
  {
    section: 'identity',
    name: 'container_endpoint',
    type: 'string',
    default: null,
    defaultText: "the API's public URL",
    help: 'URL of the container service in the service catalog, when clients reach zun-api by another address than the identity service.',
  },
  {
    section: 'identity',
    name: 'login_failures_per_user',
    type: 'int',
    default: 5,
    help: 'Failed password logins for one user name within login_failure_window seconds after which that name is locked for login_lockout seconds (429 with Retry-After, whether or not the user exists). Counted per zun-api process; a successful login resets it. 0: no limit.',
  },
  {
    section: 'identity',
    name: 'login_failures_per_source',
    type: 'int',
    default: 30,
    help: "Failed password logins from one client address within login_failure_window seconds after which that address is locked for login_lockout seconds, whatever user it names. Behind a proxy every client has the proxy's address. 0: no limit.",
  },
  {
    section: 'identity',
    name: 'login_failure_window',
    type: 'int',
    default: 60,
    help: 'Seconds over which failed password logins are counted.',
  },
  {
    section: 'identity',
    name: 'login_lockout',
    type: 'int',
    default: 60,
    help: 'Seconds a locked user name or client address is refused password logins.',
  },
  // [compute]
  {
    section: 'compute',
    name: 'listen_host',
    type: 'string',
    default: '127.0.0.1',
    sample: '10.0.0.11',
    help: "Address the agent's endpoint listens on: one the API and zun-wsproxy reach.",
  },
  {
    section: 'compute',
    name: 'listen_port',
    type: 'int',
    default: 9518,
    help: "Port of the agent's endpoint.",
  },
  {
    section: 'compute',
    name: 'advertise_url',
    type: 'string',
    default: null,
    defaultText: 'http://<listen_host>:<listen_port>',
    help: 'Where the API reaches this agent, when that is not its listen address (NAT, proxy).',
  },
  {
    section: 'compute',
    name: 'service_token',
    type: 'string',
    default: '',
    sample: 'CHANGE-ME-LONG-RANDOM',
    help: 'Shared secret the API and zun-wsproxy present to agents; the same value everywhere. Required: the daemons refuse to start without it.',
  },
  {
    section: 'compute',
    name: 'reserved_host_memory_mb',
    type: 'int',
    default: 512,
    help: 'Memory (MiB) kept for the host itself and never claimed by containers.',
  },
  {
    section: 'compute',
    name: 'reserved_host_cpus',
    type: 'int',
    default: 0,
    help: 'CPUs kept for the host itself.',
  },
  {
    section: 'compute',
    name: 'enable_cpu_pinning',
    type: 'bool',
    default: false,
    help: 'Offer whole CPUs to containers with cpu_policy dedicated (pinned as their cpuset). Turn on for hosts meant for latency-sensitive work.',
  },
  {
    section: 'compute',
    name: 'cpu_allocation_ratio',
    type: 'float',
    default: 16.0,
    help: 'vCPUs claimable per host CPU (over-commit). Lower it when containers are busy.',
  },
  {
    section: 'compute',
    name: 'ram_allocation_ratio',
    type: 'float',
    default: 1.5,
    help: 'Memory claimable per MiB of host memory. 1.0 to never over-commit memory.',
  },
  {
    section: 'compute',
    name: 'disk_allocation_ratio',
    type: 'float',
    default: 1.0,
    help: 'Disk claimable per GiB of host disk.',
  },
  {
    section: 'compute',
    name: 'reserve_disk_for_image',
    type: 'float',
    default: 0.2,
    help: "Share of the host's disk kept for images and never claimed by containers.",
  },
  {
    section: 'compute',
    name: 'heartbeat_interval',
    type: 'float',
    default: 10,
    help: 'Seconds between heartbeats (and refreshes of the host resources). Keep well below service_down_time.',
  },
  {
    section: 'compute',
    name: 'sync_container_state_interval',
    type: 'float',
    default: 15,
    help: 'Seconds between reconciles of the rows with the engine (a safety net for missed Docker events).',
  },
  {
    section: 'compute',
    name: 'task_poll_interval',
    type: 'float',
    default: 5,
    help: 'Seconds between looks for pending tasks (a safety net for a lost database notification).',
  },
  {
    section: 'compute',
    name: 'network_idle_timeout',
    type: 'int',
    default: 600,
    help: 'Seconds a project network stays after its last container left it (0: removed at once), so a project that deletes and creates containers reuses its bridge.',
  },
  {
    section: 'compute',
    name: 'orphan_claim_grace',
    type: 'float',
    default: 60,
    help: "Seconds zun-api may take to place a create (its claims: up to [scheduler] max_attempts tries of at most 10 s each). A claim still without its container row after this long is released by the reconcile, and a create recorded but never claimed (its task 'held') is run by its host's next task poll: only a zun-api that died in the middle of a create leaves either.",
  },
  {
    section: 'compute',
    name: 'state_path',
    type: 'string',
    default: '/var/lib/zun',
    help: 'Directory where the agent keeps files it owns on its host (e.g. injected bind-mount files).',
  },
  // [docker]
  {
    section: 'docker',
    name: 'socket_path',
    type: 'string',
    default: '/var/run/docker.sock',
    help: "The Docker engine's socket on this host.",
  },
  {
    section: 'docker',
    name: 'default_timeout',
    type: 'int',
    default: 10,
    help: 'Seconds a stop waits before killing, when the caller gives no timeout.',
  },
  {
    section: 'docker',
    name: 'execute_timeout',
    type: 'int',
    default: 5,
    help: 'Longest a non-interactive `zun exec` may run before it is answered 409 (seconds).',
  },
  {
    section: 'docker',
    name: 'default_registry',
    type: 'string',
    default: '',
    help: 'Registry (host[:port]) put in front of image names without a registry host when the container names no private registry. Unset: Docker Hub, as the engine does.',
  },
  {
    section: 'docker',
    name: 'default_registry_username',
    type: 'string',
    default: '',
    help: "User for pulls from default_registry (unless the container's registry has a username of its own). Unset: anonymous pulls.",
  },
  {
    section: 'docker',
    name: 'default_registry_password',
    type: 'string',
    default: '',
    help: 'Password for default_registry_username; never logged. Keep this file readable by zun only.',
  },
  {
    section: 'docker',
    name: 'pids_limit',
    type: 'int',
    default: 1024,
    help: 'Most processes and threads one container may run (a fork bomb stops there instead of exhausting the host). -1: no limit.',
  },
  {
    section: 'docker',
    name: 'log_max_size',
    type: 'string',
    default: '20m',
    help: "Size at which the engine rotates a container's log (json-file driver; k, m or g).",
  },
  {
    section: 'docker',
    name: 'log_max_files',
    type: 'int',
    default: 5,
    help: "Rotated log files kept per container: a container's log never takes more than log_max_size x log_max_files of the host's disk.",
  },
  {
    section: 'docker',
    name: 'publish_address',
    type: 'string',
    default: '0.0.0.0',
    help: "Host address that containers' exposed ports are published on. 0.0.0.0 makes them reachable on every IPv4 address of the host (clients outside need that); the all-in-one uses 127.0.0.1. Ports are never published on IPv6.",
  },
  // [websocket_proxy]
  {
    section: 'websocket_proxy',
    name: 'wsproxy_host',
    type: 'string',
    default: '127.0.0.1',
    help: 'Address zun-wsproxy listens on.',
  },
  {
    section: 'websocket_proxy',
    name: 'wsproxy_port',
    type: 'int',
    default: 6784,
    help: 'Port zun-wsproxy listens on.',
  },
  {
    section: 'websocket_proxy',
    name: 'base_url',
    type: 'string',
    default: null,
    defaultText: 'ws://<wsproxy_host>:<wsproxy_port>/',
    help: "URL the API hands out for attach/exec sessions (also needed in the API's config). Put a TLS terminator in front and use wss:// in production.",
  },
  {
    section: 'websocket_proxy',
    name: 'allowed_origins',
    type: 'list',
    default: [],
    help: "Browser origins (scheme://host[:port]) allowed besides the proxy's own, comma separated, e.g. a web console.",
  },
  {
    section: 'websocket_proxy',
    name: 'token_ttl',
    type: 'int',
    default: 30,
    help: 'Seconds an attach/exec token stays usable; each token opens one session.',
  },
  {
    section: 'websocket_proxy',
    name: 'max_payload',
    type: 'int',
    default: 65536,
    help: 'Largest WebSocket message accepted, in bytes; a larger one closes the session.',
  },
  // [console]
  {
    section: 'console',
    name: 'host',
    type: 'string',
    default: '127.0.0.1',
    help: 'Address zun-console listens on.',
  },
  {
    section: 'console',
    name: 'port',
    type: 'int',
    default: 9519,
    help: "Port zun-console listens on. Its origin (http://<host>:<port>, as the browser sees it) must be in [websocket_proxy] allowed_origins for the console's terminal.",
  },
  {
    section: 'console',
    name: 'api_url',
    type: 'string',
    default: null,
    defaultText: 'http://<[api] host_ip>:<[api] port>',
    help: 'Where zun-console forwards /v1 and /identity: the zun-api it fronts.',
  },
  // [scheduler]
  {
    section: 'scheduler',
    name: 'enabled_filters',
    type: 'list',
    default: ['AvailabilityZoneFilter', 'ComputeFilter', 'RuntimeFilter', 'CPUFilter', 'RamFilter'],
    help: 'Filters run in order on every candidate host; also available: DiskFilter, LabelFilter, CpuSetFilter.',
  },
  {
    section: 'scheduler',
    name: 'max_attempts',
    type: 'int',
    default: 3,
    help: 'Hosts tried in turn when their claims are refused (a stale snapshot) before a create fails.',
  },
  {
    section: 'scheduler',
    name: 'weigher',
    type: 'enum',
    choices: ['spread', 'pack'],
    default: 'spread',
    help: 'Ranking of the hosts that pass: spread prefers the emptiest host, pack the fullest (to keep hosts free). Not an upstream option.',
  },
  {
    section: 'scheduler',
    name: 'host_state_ttl',
    type: 'float',
    default: 1,
    help: 'Seconds the API schedules from one host snapshot (plus its own placements) before reading the hosts again. Raise it to spare the database under bursts of creates.',
  },
  // [glance]
  {
    section: 'glance',
    name: 'auth_url',
    type: 'string',
    default: '',
    sample: 'http://127.0.0.1:35357/v3',
    help: 'Keystone v3 URL where the service credential gets its tokens (with or without the trailing /v3). Unset: the glance image driver is disabled and asking for it is a 400.',
  },
  {
    section: 'glance',
    name: 'api_servers',
    type: 'string',
    default: null,
    defaultText: "the public endpoint of type 'image' in the token's service catalog",
    help: 'Glance API URL, e.g. http://127.0.0.1:9292, when it is not to be taken from the catalog.',
  },
  {
    section: 'glance',
    name: 'username',
    type: 'string',
    default: 'zun',
    help: "Keystone user of the service credential. It needs the admin role in its project: images are created on behalf of the container's project (owner) and looked up among every image.",
  },
  {
    section: 'glance',
    name: 'password',
    type: 'string',
    default: '',
    sample: 'CHANGE-ME',
    help: 'Password of the service credential.',
  },
  {
    section: 'glance',
    name: 'project_name',
    type: 'string',
    default: 'service',
    help: "Project the service credential's token is scoped to.",
  },
  {
    section: 'glance',
    name: 'user_domain_name',
    type: 'string',
    default: 'Default',
    help: 'Domain of the service user.',
  },
  {
    section: 'glance',
    name: 'project_domain_name',
    type: 'string',
    default: 'Default',
    help: 'Domain of the service project.',
  },
  {
    section: 'glance',
    name: 'region_name',
    type: 'string',
    default: 'RegionOne',
    help: 'Region of the image endpoint taken from the catalog.',
  },
  {
    section: 'glance',
    name: 'timeout',
    type: 'int',
    default: 30,
    help: 'Seconds a Glance or Keystone request may wait for an answer (a download or upload may take longer once it has started).',
  },
  // [keystone_authtoken]
  {
    section: 'keystone_authtoken',
    name: 'auth_url',
    type: 'string',
    default: '',
    sample: 'http://127.0.0.1:35357/v3',
    help: "Keystone v3 URL where zun-api gets its service token and validates callers' tokens (with or without the trailing /v3). Unset: the built-in identity serves /identity/v3.",
  },
  {
    section: 'keystone_authtoken',
    name: 'www_authenticate_uri',
    type: 'string',
    default: null,
    defaultText: 'auth_url',
    help: "The Keystone URL clients are sent to (the WWW-Authenticate header of a 401, and the web console's /identity), when they reach Keystone by another address than zun-api does.",
  },
  {
    section: 'keystone_authtoken',
    name: 'auth_type',
    type: 'enum',
    choices: ['password'],
    default: 'password',
    help: "How zun-api's service credential authenticates to Keystone.",
  },
  {
    section: 'keystone_authtoken',
    name: 'username',
    type: 'string',
    default: 'zun',
    help: "Keystone user of the service credential; Keystone lets it validate other users' tokens when it has the admin or service role.",
  },
  {
    section: 'keystone_authtoken',
    name: 'password',
    type: 'string',
    default: '',
    help: 'Password of the service credential.',
  },
  {
    section: 'keystone_authtoken',
    name: 'project_name',
    type: 'string',
    default: 'service',
    help: "Project the service credential's token is scoped to.",
  },
  {
    section: 'keystone_authtoken',
    name: 'user_domain_name',
    type: 'string',
    default: 'Default',
    help: 'Domain of the service user.',
  },
  {
    section: 'keystone_authtoken',
    name: 'project_domain_name',
    type: 'string',
    default: 'Default',
    help: 'Domain of the service project.',
  },
  {
    section: 'keystone_authtoken',
    name: 'token_cache_size',
    type: 'int',
    default: 10000,
    help: 'Validated tokens kept in memory (least recently used go first); 0 asks Keystone on every request.',
  },
  {
    section: 'keystone_authtoken',
    name: 'token_cache_time',
    type: 'int',
    default: 300,
    help: "Seconds a validated token is trusted without asking Keystone again (never past the token's own expiry).",
  },
  {
    section: 'keystone_authtoken',
    name: 'revocation_poll_interval',
    type: 'float',
    default: 5,
    help: "Seconds between reads of Keystone's revocation events (GET /v3/OS-REVOKE/events); cached tokens they match are dropped, so a revoked token is refused within about this long.",
  },
  {
    section: 'keystone_authtoken',
    name: 'http_request_max_retries',
    type: 'int',
    default: 1,
    help: 'Retries of a Keystone request that could not connect, before the caller gets a 503.',
  },
  {
    section: 'keystone_authtoken',
    name: 'timeout',
    type: 'int',
    default: 10,
    help: 'Seconds a Keystone request may wait for an answer.',
  },
  // [oslo_policy]
  {
    section: 'oslo_policy',
    name: 'policy_file',
    type: 'string',
    default: 'policy.yaml',
    help: "The operator's policy overrides (YAML: rule name -> check string; unlisted rules keep their defaults, see deploy/policy.yaml.sample). A relative path is taken from zun.conf's folder. Re-read when it changes; absent is fine.",
  },
  {
    section: 'oslo_policy',
    name: 'policy_dirs',
    type: 'list',
    default: ['policy.d'],
    help: "Folders of further policy files (*.yaml, *.yml, *.json), read after policy_file in name order; relative to zun.conf's folder.",
  },
  // [quota]
  {
    section: 'quota',
    name: 'driver',
    type: 'enum',
    choices: ['db', 'noop'],
    default: 'db',
    help: "db: quotas are counted and enforced on create, update and capsule create. noop: no quota is checked (upstream's NoopQuotaDriver), e.g. for a single-tenant cloud; the quota API still stores limits.",
  },
  ...(
    [
      ['containers', 40, 'Containers per project (capsule members count, each).'],
      ['memory', 51200, 'MiB of memory per project, summed over its containers and capsules.'],
      ['cpu', 20, 'vCPUs per project, summed over its containers and capsules.'],
      ['disk', 100, 'GiB of disk per project, summed over its containers.'],
    ] as const
  ).map(([name, value, help]): OptionDecl => ({ section: 'quota', name, type: 'int', default: value, help })),
];
