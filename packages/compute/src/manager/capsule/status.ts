import { ContainerStatus, type Container } from '@zun/common';

/**
 * How a capsule's status follows its containers, once it has been created (the sandbox row's
 * status is the capsule's):
 * - Running while the sandbox runs and every member is Running, or Restarting (its restart
 *   policy is bringing it back);
 * - Error otherwise, the reason naming the first member (in template order) that is neither,
 *   with its status and exit code, or saying that the sandbox stopped or was removed. Members
 *   share the sandbox's network namespace, so a capsule whose sandbox is gone has no network.
 * Init containers have finished by then and do not count.
 */
export type SandboxState =
  | { running: true }
  /** exitCode null: not exited but not running either (paused, restarting). */
  | { running: false; exitCode: number | null; state: string }
  | 'gone';

export interface Verdict {
  status: typeof ContainerStatus.Running | typeof ContainerStatus.Error;
  reason: string | null;
}

type MemberRow = Pick<
  Container,
  'uuid' | 'name' | 'status' | 'status_reason' | 'status_detail' | 'restart_policy'
>;

const ALIVE: ContainerStatus[] = [ContainerStatus.Running, ContainerStatus.Restarting];

export function capsuleVerdict(sandboxId: string, sandbox: SandboxState, members: MemberRow[]): Verdict {
  if (sandbox === 'gone') {
    return {
      status: ContainerStatus.Error,
      reason: `The capsule's sandbox container ${sandboxId} was removed outside the service; its members have no network`,
    };
  }
  if (!sandbox.running) {
    return {
      status: ContainerStatus.Error,
      reason:
        sandbox.exitCode === null
          ? `The capsule's sandbox container ${sandboxId} is ${sandbox.state}`
          : `The capsule's sandbox container ${sandboxId} exited with code ${sandbox.exitCode}; its members have no network`,
    };
  }
  const down = members.find((m) => !ALIVE.includes(m.status));
  if (!down) return { status: ContainerStatus.Running, reason: null };
  return { status: ContainerStatus.Error, reason: memberDown(down) };
}

function memberDown(m: MemberRow): string {
  const who = `Capsule member ${m.name ?? m.uuid} (${m.uuid})`;
  if (m.status === ContainerStatus.Stopped) {
    const exit = /^Exited\((-?\d+)\)/.exec(m.status_detail ?? '');
    const policy = m.restart_policy?.Name || 'no';
    return `${who} exited${exit ? ` with code ${exit[1]}` : ''} and its restart policy (${policy}) does not restart it`;
  }
  return `${who} is ${m.status}${m.status_reason ? `: ${m.status_reason}` : ''}`;
}
