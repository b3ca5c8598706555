import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request id (x-openstack-request-id) of the work in progress, carried by the async context
 * instead of through every signature: set where work enters a process (the API's request-id
 * middleware, the agent's HTTP middleware, each agent task), read by the logger (every line gets
 * `request_id`), by the agent client (the header it forwards) and by what the API records.
 */
const storage = new AsyncLocalStorage<{ requestId: string }>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
