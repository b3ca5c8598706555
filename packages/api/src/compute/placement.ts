import { ServiceUnavailableError } from '@zun/common';
import { consume, release, type HostState, type RequestSpec } from '@zun/scheduler';
import type { ComputeDeps } from './deps';

/**
 * A create already recorded, its task held on the first candidate (compute/held.ts): each
 * claim takes the task, and before claiming on another host the task is moved there.
 */
export interface HeldCreate {
  /** Moves the held task (and the row) to `host`; false if it is no longer held. */
  moveTo(host: string): Promise<boolean>;
}

export type Placement =
  /**
   * `claimed` is false only when every agent tried was unreachable: the create then waits,
   * queued for `host`. `taken`: the agent took the held create with its claim (true as well
   * for a held create that its host took by itself meanwhile: nothing left to do).
   */
  { host: string; claimed: boolean; taken?: boolean } | { host: null; explanation: string };

/**
 * Claims the resources on the first candidate whose agent accepts, trying at most
 * `[scheduler] max_attempts` of them. The snapshot that ranked the candidates may be stale; the
 * agent's claim is the authority, and its refusal carries its real usage back into the snapshot.
 *
 * An agent that does not answer, or answers 503 (still loading its claims, or shutting down), is
 * skipped like a refusal, but if no host accepts and one of them was merely unavailable while its
 * service still looks up, the create is queued there without a claim: the agent claims when it
 * comes back (or fails the create visibly), so an accepted request is never lost to a restarting
 * agent.
 */
export async function placeOnHost(
  deps: ComputeDeps,
  candidates: HostState[],
  uuid: string,
  spec: RequestSpec,
  held?: HeldCreate,
): Promise<Placement> {
  const refusals: string[] = [];
  let unreachable: HostState | null = null;
  const tries = candidates.slice(0, Math.max(1, deps.config.scheduler.maxAttempts));
  let recordedOn = tries[0]?.hostname;
  for (const host of tries) {
    // Counted before the await so concurrent requests in this process see it at once.
    const pick = consume(host, spec);
    const endpoint = await deps.hosts.endpoint(host.hostname);
    if (!endpoint) {
      release(host, spec, pick);
      refusals.push(`${host.hostname} (no agent endpoint)`);
      continue;
    }
    if (held && host.hostname !== recordedOn) {
      // Taken meanwhile (only after a grace far longer than these tries): it runs where it is.
      if (!(await held.moveTo(host.hostname))) return { host: recordedOn!, claimed: true, taken: true };
      recordedOn = host.hostname;
    }
    try {
      const answer = await deps.agents.claim(endpoint, {
        container_uuid: uuid,
        cpu: spec.cpu,
        memory: spec.memory,
        disk: spec.disk,
        cpu_policy: spec.cpuPolicy === 'dedicated' ? 'dedicated' : 'shared',
        take_task: held !== undefined,
      });
      if (answer.claimed) return { host: host.hostname, claimed: true, taken: answer.task_taken === true };
      release(host, spec, pick);
      deps.hosts.observe(host.hostname, answer.usage);
      refusals.push(`${host.hostname} (${answer.reason ?? 'refused'})`);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableError)) throw err;
      deps.logger.warn('compute agent unavailable for a claim', {
        host: host.hostname,
        error: err.message,
      });
      unreachable ??= host;
      refusals.push(`${host.hostname} (agent unreachable)`);
    }
  }
  if (unreachable) return { host: unreachable.hostname, claimed: false };
  const n = tries.length;
  return {
    host: null,
    explanation: `No valid host: ${n} host${n === 1 ? '' : 's'} tried, claims refused: ${refusals.join('; ')}`,
  };
}

/** Gives a claim back after the create could not be recorded; the agent's reaper is the safety net. */
export async function releaseQuietly(deps: ComputeDeps, host: string, uuid: string): Promise<void> {
  const endpoint = await deps.hosts.endpoint(host);
  if (!endpoint) return;
  await deps.agents.releaseClaim(endpoint, uuid).catch((err: unknown) =>
    deps.logger.warn('could not release a claim; the agent will reap it', {
      host,
      uuid,
      error: String(err),
    }),
  );
}
