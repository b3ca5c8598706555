import { ALLOWED_STATES, capsulePartAllows, type ContainerActionKey } from '../../../common/src/states';
import type { Api } from './api';
import type { ContainerView } from './events';

/** A container verb as the console offers it; `rule` is the API's own state table entry. */
export interface Action {
  id: string;
  label: string;
  rule: ContainerActionKey;
  /** Its policy rule's verb (`container:<verb>`). */
  verb: string;
  /** Asks before doing it (the verb loses work or the container). */
  confirm?: boolean;
  run(api: Api, uuid: string): Promise<unknown>;
}

const post = (verb: string) => (api: Api, uuid: string) =>
  api.request('POST', `/v1/containers/${uuid}/${verb}`);

export const ACTIONS: readonly Action[] = [
  { id: 'start', label: 'Start', rule: 'start', verb: 'start', run: post('start') },
  { id: 'stop', label: 'Stop', rule: 'stop', verb: 'stop', run: post('stop') },
  { id: 'restart', label: 'Restart', rule: 'reboot', verb: 'reboot', run: post('reboot') },
  { id: 'pause', label: 'Pause', rule: 'pause', verb: 'pause', run: post('pause') },
  { id: 'unpause', label: 'Unpause', rule: 'unpause', verb: 'unpause', run: post('unpause') },
  { id: 'kill', label: 'Kill', rule: 'kill', verb: 'kill', confirm: true, run: post('kill') },
  {
    id: 'delete',
    label: 'Delete',
    rule: 'delete',
    verb: 'delete',
    confirm: true,
    run: (api, uuid) => api.request('DELETE', `/v1/containers/${uuid}`),
  },
  {
    id: 'delete-stop',
    label: 'Stop and delete',
    rule: 'delete_after_stop',
    verb: 'delete',
    confirm: true,
    run: (api, uuid) => api.request('DELETE', `/v1/containers/${uuid}?stop=True`),
  },
];

/**
 * Whether the API would accept the verb now: the status allows it (the table the API checks),
 * no other verb is in progress (the API answers 409 while task_state is set), and the container
 * is not a capsule's, whose lifecycle is its capsule's (the rule the API checks too).
 */
export function allowed(action: Action, c: ContainerView): boolean {
  if (c.task_state) return false;
  if (c.capsule_id && !capsulePartAllows(action.verb)) return false;
  return (ALLOWED_STATES[action.rule] as readonly string[]).includes(c.status);
}
