import { DataTypes, QueryInterface } from 'sequelize';

const now = { type: DataTypes.DATE, allowNull: false };
const json = (allowNull = true) => ({ type: DataTypes.JSONB, allowNull });

export async function up(q: QueryInterface): Promise<void> {
  // Identity (the built-in Keystone v3 subset).
  await q.createTable('projects', {
    id: { type: DataTypes.STRING(64), primaryKey: true },
    name: { type: DataTypes.STRING(255), allowNull: false },
    domain_id: { type: DataTypes.STRING(64), allowNull: false },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('projects', ['domain_id', 'name'], { unique: true });
  await q.createTable('users', {
    id: { type: DataTypes.STRING(64), primaryKey: true },
    name: { type: DataTypes.STRING(255), allowNull: false },
    domain_id: { type: DataTypes.STRING(64), allowNull: false },
    password_hash: { type: DataTypes.STRING(512), allowNull: false },
    default_project_id: { type: DataTypes.STRING(64) },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('users', ['domain_id', 'name'], { unique: true });
  await q.createTable('roles', {
    id: { type: DataTypes.STRING(64), primaryKey: true },
    name: { type: DataTypes.STRING(255), allowNull: false, unique: true },
    created_at: now,
    updated_at: now,
  });
  await q.createTable('role_assignments', {
    user_id: {
      type: DataTypes.STRING(64),
      primaryKey: true,
      references: { model: 'users', key: 'id' },
      onDelete: 'CASCADE',
    },
    project_id: {
      type: DataTypes.STRING(64),
      primaryKey: true,
      references: { model: 'projects', key: 'id' },
      onDelete: 'CASCADE',
    },
    role_id: {
      type: DataTypes.STRING(64),
      primaryKey: true,
      references: { model: 'roles', key: 'id' },
      onDelete: 'CASCADE',
    },
    created_at: now,
    updated_at: now,
  });
  await q.createTable('tokens', {
    // sha256 of the token: a leaked table does not leak usable tokens.
    token_hash: { type: DataTypes.STRING(64), primaryKey: true },
    user_id: {
      type: DataTypes.STRING(64),
      allowNull: false,
      references: { model: 'users', key: 'id' },
      onDelete: 'CASCADE',
    },
    project_id: {
      type: DataTypes.STRING(64),
      references: { model: 'projects', key: 'id' },
      onDelete: 'CASCADE',
    },
    audit_id: { type: DataTypes.STRING(32), allowNull: false },
    expires_at: now,
    revoked_at: { type: DataTypes.DATE },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('tokens', ['expires_at']);

  // Compute services and hosts.
  await q.createTable('services', {
    id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
    host: { type: DataTypes.STRING(255), allowNull: false },
    binary: { type: DataTypes.STRING(255), allowNull: false },
    disabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    disabled_reason: { type: DataTypes.STRING(255) },
    forced_down: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    report_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    last_seen_up: { type: DataTypes.DATE },
    availability_zone: { type: DataTypes.STRING(255) },
    endpoint: { type: DataTypes.STRING(255) },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('services', ['host', 'binary'], { unique: true });
  await q.createTable('compute_nodes', {
    uuid: { type: DataTypes.STRING(36), primaryKey: true },
    hostname: { type: DataTypes.STRING(255), allowNull: false, unique: true },
    mem_total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    mem_free: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    mem_available: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    cpus: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    disk_total: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    disk_quota_supported: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    total_containers: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    running_containers: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    paused_containers: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    stopped_containers: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    architecture: { type: DataTypes.STRING(32) },
    os_type: { type: DataTypes.STRING(32) },
    os: { type: DataTypes.STRING(64) },
    kernel_version: { type: DataTypes.STRING(128) },
    labels: json(),
    runtimes: json(),
    enable_cpu_pinning: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    // Capacity limits the agent enforces on claims: (total - reserved) x allocation ratio.
    cpu_limit: { type: DataTypes.FLOAT, allowNull: false, defaultValue: 0 },
    mem_limit: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    disk_limit: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_at: now,
    updated_at: now,
  });

  // Containers and their audit trail.
  await q.createTable('containers', {
    id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
    uuid: { type: DataTypes.STRING(36), allowNull: false, unique: true },
    name: { type: DataTypes.STRING(255) },
    project_id: { type: DataTypes.STRING(255), allowNull: false },
    user_id: { type: DataTypes.STRING(255), allowNull: false },
    image: { type: DataTypes.STRING(255), allowNull: false },
    command: json(),
    entrypoint: json(),
    status: { type: DataTypes.STRING(20), allowNull: false },
    status_reason: { type: DataTypes.TEXT },
    status_detail: { type: DataTypes.STRING(50) },
    task_state: { type: DataTypes.STRING(20) },
    cpu: { type: DataTypes.FLOAT },
    memory: { type: DataTypes.STRING(255) },
    disk: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    environment: json(),
    workdir: { type: DataTypes.STRING(255) },
    ports: json(),
    hostname: { type: DataTypes.STRING(63) },
    labels: json(),
    addresses: json(),
    image_pull_policy: { type: DataTypes.STRING(32) },
    host: { type: DataTypes.STRING(255) },
    restart_policy: json(),
    interactive: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    tty: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    image_driver: { type: DataTypes.STRING(32) },
    security_groups: json(),
    auto_remove: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    runtime: { type: DataTypes.STRING(32) },
    auto_heal: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    privileged: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    healthcheck: json(),
    cpu_policy: { type: DataTypes.STRING(32), allowNull: false, defaultValue: 'shared' },
    registry_id: { type: DataTypes.STRING(36) },
    container_id: { type: DataTypes.STRING(64) },
    started_at: { type: DataTypes.DATE },
    exposed_ports: json(),
    websocket_url: { type: DataTypes.STRING(255) },
    websocket_token: { type: DataTypes.STRING(255) },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('containers', ['project_id']);
  await q.addIndex('containers', ['host']);
  await q.addIndex('containers', ['name']);

  // What a host has promised to a container (cpu, memory, disk). The agent writes a claim
  // under a lock on its compute_nodes row, so claims never exceed the node's limits.
  await q.createTable('resource_claims', {
    container_uuid: { type: DataTypes.STRING(36), primaryKey: true },
    host: { type: DataTypes.STRING(255), allowNull: false },
    cpu: { type: DataTypes.FLOAT, allowNull: false },
    memory: { type: DataTypes.INTEGER, allowNull: false },
    disk: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('resource_claims', ['host']);

  // Durable work queue between the API and the agents: nothing acknowledged is lost when an
  // agent is down; it drains its pending tasks when it comes back.
  await q.createTable('compute_tasks', {
    id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
    container_uuid: { type: DataTypes.STRING(36), allowNull: false },
    host: { type: DataTypes.STRING(255), allowNull: false },
    action: { type: DataTypes.STRING(32), allowNull: false },
    params: json(false),
    request_id: { type: DataTypes.STRING(64) },
    state: { type: DataTypes.STRING(16), allowNull: false },
    error: { type: DataTypes.TEXT },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('compute_tasks', ['host', 'state']);
  await q.addIndex('compute_tasks', ['container_uuid']);

  await q.createTable('container_actions', {
    id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
    container_uuid: { type: DataTypes.STRING(36), allowNull: false },
    action: { type: DataTypes.STRING(255), allowNull: false },
    request_id: { type: DataTypes.STRING(255) },
    user_id: { type: DataTypes.STRING(255) },
    project_id: { type: DataTypes.STRING(255) },
    start_time: { type: DataTypes.DATE },
    finish_time: { type: DataTypes.DATE },
    message: { type: DataTypes.STRING(255) },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('container_actions', ['container_uuid']);
  await q.addIndex('container_actions', ['request_id']);
  await q.createTable('container_action_events', {
    id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
    action_id: {
      type: DataTypes.INTEGER,
      allowNull: false,
      references: { model: 'container_actions', key: 'id' },
      onDelete: 'CASCADE',
    },
    event: { type: DataTypes.STRING(255), allowNull: false },
    start_time: { type: DataTypes.DATE },
    finish_time: { type: DataTypes.DATE },
    result: { type: DataTypes.STRING(255) },
    traceback: { type: DataTypes.TEXT },
    created_at: now,
    updated_at: now,
  });
  await q.addIndex('container_action_events', ['action_id']);
}

export async function down(q: QueryInterface): Promise<void> {
  for (const t of [
    'container_action_events',
    'container_actions',
    'compute_tasks',
    'resource_claims',
    'containers',
    'compute_nodes',
    'services',
    'tokens',
    'role_assignments',
    'roles',
    'users',
    'projects',
  ]) {
    await q.dropTable(t);
  }
}
