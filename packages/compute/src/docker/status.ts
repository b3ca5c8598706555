import { ContainerStatus } from '@zun/common';
import type { ContainerInspect } from './engine';

/**
 * Maps the engine's view of a container to Zun's status and status_detail (states.md §5),
 * so that a container shows what Docker reports, in the words the `zun` CLI prints.
 */
export interface ObservedState {
  status: ContainerStatus;
  statusDetail: string | null;
  statusReason: string | null;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function ago(since: string, now: Date): string | null {
  // Docker reports times that never happened as year 1: there is no age to tell.
  if (!since || since.startsWith('0001-01-01')) return null;
  const secs = Math.floor((now.getTime() - new Date(since).getTime()) / 1000);
  if (secs <= 0) return null;
  if (secs >= 86400) return `${Math.floor(secs / 86400)} days`;
  if (secs >= 3600) return `${Math.floor(secs / 3600)} hours`;
  if (secs >= 60) return `${Math.floor(secs / 60)} mins`;
  return `${secs} seconds`;
}

function up(since: string, now: Date, suffix = ''): string {
  const a = ago(since, now);
  return a ? `Up ${a}${suffix}` : `Up${suffix}`;
}

export function observeState(
  info: ContainerInspect,
  current: ContainerStatus,
  now: Date = new Date(),
): ObservedState {
  const s = info.State;
  if (!s)
    return {
      status: ContainerStatus.Unknown,
      statusDetail: null,
      statusReason: 'container state is missing',
    };
  if (s.Error) {
    const status =
      s.Status === 'exited' || s.Status === 'removing'
        ? ContainerStatus.Stopped
        : (capitalise(s.Status) ?? current);
    return {
      status,
      statusDetail: `Exited(${s.ExitCode}) ${ago(s.FinishedAt, now) ?? '0 seconds'} ago (error)`,
      statusReason: s.Error,
    };
  }
  if (s.Paused)
    return {
      status: ContainerStatus.Paused,
      statusDetail: up(s.StartedAt, now, ' (paused)'),
      statusReason: null,
    };
  if (s.Restarting)
    return { status: ContainerStatus.Restarting, statusDetail: 'Restarting', statusReason: null };
  if (s.Running)
    return {
      status: ContainerStatus.Running,
      statusDetail: up(s.StartedAt, now, healthSuffix(s.Health?.Status)),
      statusReason: null,
    };
  if (s.Dead) return { status: ContainerStatus.Dead, statusDetail: 'Dead', statusReason: null };
  if (!s.StartedAt || s.StartedAt === ZERO_TIME) {
    const keep: ContainerStatus[] = [
      ContainerStatus.Created,
      ContainerStatus.Restarting,
      ContainerStatus.Error,
    ];
    return {
      status: keep.includes(current) ? current : ContainerStatus.Created,
      statusDetail: 'Created',
      statusReason: null,
    };
  }
  if (!s.FinishedAt || s.FinishedAt === ZERO_TIME) {
    return { status: ContainerStatus.Unknown, statusDetail: '', statusReason: 'unexpected container state' };
  }
  const a = ago(s.FinishedAt, now);
  return {
    status: ContainerStatus.Stopped,
    statusDetail: `Exited(${s.ExitCode}) ${a ?? '0 seconds'} ago `,
    statusReason: null,
  };
}

/** The health of a container with a healthcheck, worded as `docker ps` does. */
function healthSuffix(health: string | undefined): string {
  if (health === 'healthy' || health === 'unhealthy') return ` (${health})`;
  if (health === 'starting') return ' (health: starting)';
  return '';
}

function capitalise(status: string): ContainerStatus | undefined {
  const c = status.charAt(0).toUpperCase() + status.slice(1);
  return (Object.values(ContainerStatus) as string[]).includes(c) ? (c as ContainerStatus) : undefined;
}

/** Status from the short state string of `docker ps` (used by the periodic reconcile). */
export function statusFromListState(state: string, current: ContainerStatus): ContainerStatus {
  switch (state) {
    case 'created':
      return current === ContainerStatus.Creating ? ContainerStatus.Created : current;
    case 'paused':
      return ContainerStatus.Paused;
    case 'running':
      return ContainerStatus.Running;
    case 'dead':
      return ContainerStatus.Dead;
    case 'restarting':
      return ContainerStatus.Restarting;
    case 'exited':
    case 'removing':
      return ContainerStatus.Stopped;
    default:
      return ContainerStatus.Unknown;
  }
}
