/** Container status and task_state values, exactly as Zun spells them. */
export const ContainerStatus = {
  Creating: 'Creating',
  Created: 'Created',
  Running: 'Running',
  Stopped: 'Stopped',
  Paused: 'Paused',
  Restarting: 'Restarting',
  Rebuilding: 'Rebuilding',
  Deleting: 'Deleting',
  Deleted: 'Deleted',
  Error: 'Error',
  Dead: 'Dead',
  Unknown: 'Unknown',
} as const;
export type ContainerStatus = (typeof ContainerStatus)[keyof typeof ContainerStatus];

export const TaskState = {
  ImagePulling: 'image_pulling',
  ContainerCreating: 'container_creating',
  ContainerStarting: 'container_starting',
  ContainerDeleting: 'container_deleting',
  ContainerStopping: 'container_stopping',
  ContainerRebooting: 'container_rebooting',
  ContainerPausing: 'container_pausing',
  ContainerUnpausing: 'container_unpausing',
  ContainerKilling: 'container_killing',
  NetworkAttaching: 'network_attaching',
  NetworkDetaching: 'network_detaching',
  ContainerRebuilding: 'container_rebuilding',
  /** A commit of a glance-driver container, until its image is uploaded to Glance. */
  ImageUploading: 'image_uploading',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

const S = ContainerStatus;

/**
 * The one table of which statuses allow which action (containers.md §9). The API checks it
 * before dispatching; the web console uses it to enable buttons. Anything else is 409.
 */
export const ALLOWED_STATES = {
  start: [S.Created, S.Stopped, S.Error],
  stop: [S.Running],
  reboot: [S.Created, S.Running, S.Stopped, S.Error],
  rebuild: [S.Created, S.Running, S.Stopped, S.Error],
  pause: [S.Running],
  unpause: [S.Paused],
  kill: [S.Running],
  execute: [S.Running],
  execute_resize: [S.Running],
  attach: [S.Running],
  resize: [S.Running],
  top: [S.Running],
  stats: [S.Running],
  logs: [S.Created, S.Error, S.Paused, S.Running, S.Stopped, S.Unknown],
  get_archive: [S.Created, S.Paused, S.Running, S.Stopped],
  put_archive: [S.Created, S.Paused, S.Running, S.Stopped],
  commit: [S.Running, S.Stopped, S.Paused],
  update: [S.Created, S.Running, S.Stopped, S.Paused],
  resize_container: [S.Created, S.Running, S.Stopped, S.Paused],
  add_security_group: [S.Created, S.Running, S.Stopped, S.Paused],
  remove_security_group: [S.Created, S.Running, S.Stopped, S.Paused],
  delete: [S.Created, S.Error, S.Stopped, S.Deleted, S.Dead],
  delete_force: [
    S.Created,
    S.Creating,
    S.Error,
    S.Running,
    S.Stopped,
    S.Unknown,
    S.Deleted,
    S.Dead,
    S.Restarting,
    S.Rebuilding,
    S.Deleting,
  ],
  delete_after_stop: [S.Running, S.Created, S.Error, S.Stopped, S.Deleted, S.Dead],
} as const satisfies Record<string, readonly ContainerStatus[]>;

export type ContainerActionKey = keyof typeof ALLOWED_STATES;

export function isActionAllowed(action: ContainerActionKey, status: string): boolean {
  return (ALLOWED_STATES[action] as readonly string[]).includes(status);
}

/**
 * What may be done through /v1/containers to a capsule's member or init container: only what
 * reads it or works inside it (show, logs, exec and its resize, attach and its resize, top,
 * stats, copying out, its networks, its action history), so a capsule is debugged with the
 * usual tools. Starting, stopping, changing or deleting one would break the capsule, whose
 * lifecycle the capsule API owns: the API answers anything else with a 409 naming the capsule,
 * and the web console does not offer it.
 */
export const CAPSULE_PART_VERBS = [
  'get_one',
  'logs',
  'execute',
  'execute_resize',
  'attach',
  'resize',
  'top',
  'stats',
  'get_archive',
  'network_list',
  'actions',
] as const;

const CAPSULE_PART_ALLOWS: ReadonlySet<string> = new Set(CAPSULE_PART_VERBS);

/** Whether `verb` (a policy rule's name, `container:<verb>`) may be used on a capsule's part. */
export function capsulePartAllows(verb: string): boolean {
  return CAPSULE_PART_ALLOWS.has(verb);
}
