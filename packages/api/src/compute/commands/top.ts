import { InputError, InvalidStateError, isActionAllowed, type Container, type TopResult } from '@zun/common';
import type { ComputeDeps } from '../deps';
import { hostEndpoint } from './host-endpoint';

/** Words for `ps` (e.g. "aux", "-o pid,comm"): handed to Docker, which runs ps without a shell. */
const PS_ARGS = /^[A-Za-z0-9 ,=+_.-]{0,255}$/;

/** GET /v1/containers/{id}/top?ps_args=: Docker's process list of a running container. */
export async function containerTop(
  deps: ComputeDeps,
  c: Container,
  psArgs: string | undefined,
): Promise<TopResult> {
  // The client sends the literal "None" when the user gave no --pid.
  const args = psArgs === undefined || psArgs === 'None' || psArgs.trim() === '' ? null : psArgs;
  if (args !== null && !PS_ARGS.test(args)) {
    throw new InputError(
      `Invalid ps_args "${args}": only letters, digits, spaces and , = + _ . - are allowed.`,
    );
  }
  if (!isActionAllowed('top', c.status)) throw new InvalidStateError('top', c.uuid, c.status);
  return deps.agents.top(await hostEndpoint(c), c.uuid, args);
}
