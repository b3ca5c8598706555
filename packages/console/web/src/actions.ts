import { ALLOWED_STATES, type ContainerActionKey } from '../../../common/src/states';
import type { Api } from './api';
import type { ContainerView } from './events';

/** A container verb as the console offers it; `rule` is the API's own state table entry. */
export interface Action {
  id: string;
  label: string;
  rule: ContainerActionKey;
  /** Asks before doing it (the verb loses work or the container). */
  confirm?: boolean;
  run(api: Api, uuid: string): Promise<unknown>;
}

const post = (verb: string) => (api: Api, uuid: string) =>
  api.request('POST', `/v1/containers/${uuid}/${verb}`);

export const ACTIONS: readonly Action[] = [
  { id: 'start', label: 'Start', rule: 'start', run: post('start') },
  { id: 'stop', label: 'Stop', rule: 'stop', run: post('stop') },
  { id: 'restart', label: 'Restart', rule: 'reboot', run: post('reboot') },
  { id: 'pause', label: 'Pause', rule: 'pause', run: post('pause') },
  { id: 'unpause', label: 'Unpause', rule: 'unpause', run: post('unpause') },
  { id: 'kill', label: 'Kill', rule: 'kill', confirm: true, run: post('kill') },
  {
    id: 'delete',
    label: 'Delete',
    rule: 'delete',
    confirm: true,
    run: (api, uuid) => api.request('DELETE', `/v1/containers/${uuid}`),
  },
  {
    id: 'delete-stop',
    label: 'Stop and delete',
    rule: 'delete_after_stop',
    confirm: true,
    run: (api, uuid) => api.request('DELETE', `/v1/containers/${uuid}?stop=True`),
  },
];

/**
 * Whether the API would accept the verb now: the status allows it (the table the API checks)
 * and no other verb is in progress (the API answers 409 while task_state is set).
 */
export function allowed(action: Action, c: ContainerView): boolean {
  if (c.task_state) return false;
  return (ALLOWED_STATES[action.rule] as readonly string[]).includes(c.status);
}
