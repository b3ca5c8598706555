import { InputError, InvalidStateError, isActionAllowed, TaskState, type Container } from '@zun/common';
import type { RequestContext } from '../../identity/context';
import type { ComputeDeps } from '../deps';
import { acceptVerb } from '../accept';
import { recordAndQueue } from '../dispatch';
import { hostOf } from './start-stop';

/** The Linux signals Zun accepts (containers.md §8.5), by number. */
const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20,
  TTIN: 21, TTOU: 22, URG: 23, XCPU: 24, XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29,
  PWR: 30, SYS: 31, RTMIN: 34, RTMAX: 64,
}; // prettier-ignore
const BY_NUMBER = new Map(Object.entries(SIGNALS).map(([name, n]) => [String(n), name]));

/**
 * `SIGTERM`, `TERM`, `sigterm`, `term` or `15` → `SIGTERM`; absent or `None` → null (the
 * engine's default, SIGKILL). Anything else is refused before anything is queued.
 */
export function normaliseSignal(raw: string | undefined): string | null {
  if (raw === undefined || raw === 'None') return null;
  let name = BY_NUMBER.get(raw);
  if (!name) {
    const upper = raw.toUpperCase();
    const bare = upper.startsWith('SIG') ? upper.slice(3) : upper;
    // Only the all-upper and all-lower spellings are Zun's: `SigTerm` is not.
    if ((raw === upper || raw === raw.toLowerCase()) && bare in SIGNALS) name = bare;
  }
  if (!name)
    throw new InputError(
      `Bad signal: ${raw}. Use a signal name such as SIGTERM, TERM or a number such as 15.`,
    );
  return `SIG${name}`;
}

/** POST /v1/containers/{id}/kill?signal=S */
export async function killContainer(
  deps: ComputeDeps,
  ctx: RequestContext,
  c: Container,
  signal: string | null,
): Promise<void> {
  if (!isActionAllowed('kill', c.status)) throw new InvalidStateError('kill', c.uuid, c.status);
  const host = hostOf(c);
  await deps.sequelize.transaction(async (t) => {
    await acceptVerb(t, c, 'kill', { taskState: TaskState.ContainerKilling });
    await recordAndQueue(t, c, host, 'kill', { signal }, ctx);
  });
}
