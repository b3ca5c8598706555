import { ContainerAction, ContainerActionEvent } from '@zun/common';

/**
 * Events under a container action (the audit trail `zun action-show` prints). The action row
 * itself is written by the API in the transaction that accepted the request; the agent adds
 * one event per step it performs and closes the action.
 */
export class ActionRecorder {
  async startEvent(uuid: string, requestId: string | null, event: string): Promise<ContainerActionEvent | null> {
    const action = await this.find(uuid, requestId);
    if (!action) return null;
    return ContainerActionEvent.create({ action_id: action.id, event, start_time: new Date() });
  }

  async finishEvent(ev: ContainerActionEvent | null, error?: Error): Promise<void> {
    if (!ev) return;
    await ev.update({
      finish_time: new Date(),
      result: error ? 'Error' : 'Success',
      traceback: error ? (error.stack ?? error.message) : null,
    });
  }

  async finishAction(uuid: string, requestId: string | null, failed: boolean): Promise<void> {
    const action = await this.find(uuid, requestId);
    if (action) await action.update({ finish_time: new Date(), message: failed ? 'Error' : null });
  }

  private async find(uuid: string, requestId: string | null): Promise<ContainerAction | null> {
    if (!requestId) return null;
    return ContainerAction.findOne({ where: { container_uuid: uuid, request_id: requestId } });
  }
}
