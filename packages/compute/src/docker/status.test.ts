import { ContainerStatus } from '@zun/common';
import type { ContainerInspect } from './engine';
import { ago, observeState, statusFromListState } from './status';

const NOW = new Date('2024-05-01T12:00:00Z');
const ZERO = '0001-01-01T00:00:00Z';

/** An ISO time `secs` seconds before NOW. */
function before(secs: number): string {
  return new Date(NOW.getTime() - secs * 1000).toISOString();
}

interface StateFields {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health: { Status: string };
}

function inspect(state: Partial<StateFields> | undefined): ContainerInspect {
  const State =
    state === undefined
      ? undefined
      : {
          Status: 'created',
          Running: false,
          Paused: false,
          Restarting: false,
          OOMKilled: false,
          Dead: false,
          Pid: 0,
          ExitCode: 0,
          Error: '',
          StartedAt: ZERO,
          FinishedAt: ZERO,
          ...state,
        };
  return { Id: 'abc123', Name: '/zun-test', State } as unknown as ContainerInspect;
}

describe('ago', () => {
  it.each([
    [1, '1 seconds'],
    [59, '59 seconds'],
    [60, '1 mins'],
    [150, '2 mins'],
    [3599, '59 mins'],
    [3600, '1 hours'],
    [7300, '2 hours'],
    [86399, '23 hours'],
    [86400, '1 days'],
    [3 * 86400 + 5000, '3 days'],
  ])('%i seconds ago reads "%s"', (secs, text) => {
    expect(ago(before(secs), NOW)).toBe(text);
  });

  it('is null for now, the future and less than a second', () => {
    expect(ago(NOW.toISOString(), NOW)).toBeNull();
    expect(ago(before(-30), NOW)).toBeNull();
    expect(ago(new Date(NOW.getTime() - 500).toISOString(), NOW)).toBeNull();
  });
});

describe('observeState', () => {
  it('reports a missing State as Unknown', () => {
    expect(observeState(inspect(undefined), ContainerStatus.Running, NOW)).toEqual({
      status: ContainerStatus.Unknown,
      statusDetail: null,
      statusReason: 'container state is missing',
    });
  });

  it.each([
    [5, 'Up 5 seconds'],
    [120, 'Up 2 mins'],
    [2 * 3600 + 10, 'Up 2 hours'],
    [4 * 86400, 'Up 4 days'],
  ])('a container running for %i s is Running, "%s"', (secs, detail) => {
    const info = inspect({ Status: 'running', Running: true, Pid: 42, StartedAt: before(secs) });
    expect(observeState(info, ContainerStatus.Created, NOW)).toEqual({
      status: ContainerStatus.Running,
      statusDetail: detail,
      statusReason: null,
    });
  });

  it.each([
    ['healthy', 'Up 2 mins (healthy)'],
    ['unhealthy', 'Up 2 mins (unhealthy)'],
    ['starting', 'Up 2 mins (health: starting)'],
  ])('words a %s healthcheck as docker ps does', (health, detail) => {
    const info = inspect({
      Status: 'running',
      Running: true,
      StartedAt: before(120),
      Health: { Status: health },
    });
    expect(observeState(info, ContainerStatus.Running, NOW).statusDetail).toBe(detail);
  });

  it('says just "Up" for a container started this very second', () => {
    const info = inspect({ Status: 'running', Running: true, StartedAt: NOW.toISOString() });
    expect(observeState(info, ContainerStatus.Created, NOW).statusDetail).toBe('Up');
  });

  it('reports a paused container as Paused, up with a suffix', () => {
    const info = inspect({ Status: 'paused', Running: true, Paused: true, StartedAt: before(10) });
    expect(observeState(info, ContainerStatus.Running, NOW)).toEqual({
      status: ContainerStatus.Paused,
      statusDetail: 'Up 10 seconds (paused)',
      statusReason: null,
    });
  });

  it('reports a restarting container as Restarting', () => {
    const info = inspect({
      Status: 'restarting',
      Running: true,
      Restarting: true,
      StartedAt: before(100),
      FinishedAt: before(1),
      ExitCode: 1,
    });
    expect(observeState(info, ContainerStatus.Running, NOW)).toEqual({
      status: ContainerStatus.Restarting,
      statusDetail: 'Restarting',
      statusReason: null,
    });
  });

  it('reports a dead container as Dead', () => {
    const info = inspect({ Status: 'dead', Dead: true, StartedAt: before(100), FinishedAt: before(50) });
    expect(observeState(info, ContainerStatus.Running, NOW)).toEqual({
      status: ContainerStatus.Dead,
      statusDetail: 'Dead',
      statusReason: null,
    });
  });

  it('reports an exited container as Stopped with its exit code and age', () => {
    const info = inspect({ Status: 'exited', ExitCode: 1, StartedAt: before(100), FinishedAt: before(30) });
    expect(observeState(info, ContainerStatus.Running, NOW)).toEqual({
      status: ContainerStatus.Stopped,
      statusDetail: 'Exited(1) 30 seconds ago ',
      statusReason: null,
    });
  });

  it('says 0 seconds for a container that exited this very second', () => {
    const info = inspect({
      Status: 'exited',
      ExitCode: 0,
      StartedAt: before(3),
      FinishedAt: NOW.toISOString(),
    });
    expect(observeState(info, ContainerStatus.Running, NOW).statusDetail).toBe('Exited(0) 0 seconds ago ');
  });

  it('uses hours for an older exit', () => {
    const info = inspect({
      Status: 'exited',
      ExitCode: 137,
      StartedAt: before(9000),
      FinishedAt: before(7200),
    });
    expect(observeState(info, ContainerStatus.Stopped, NOW).statusDetail).toBe('Exited(137) 2 hours ago ');
  });

  it.each([ContainerStatus.Created, ContainerStatus.Restarting, ContainerStatus.Error])(
    'a never-started container keeps %s',
    (current) => {
      expect(observeState(inspect({ Status: 'created' }), current, NOW)).toEqual({
        status: current,
        statusDetail: 'Created',
        statusReason: null,
      });
    },
  );

  it.each([ContainerStatus.Creating, ContainerStatus.Running, ContainerStatus.Stopped])(
    'a never-started container seen as %s becomes Created',
    (current) => {
      const observed = observeState(inspect({ Status: 'created' }), current, NOW);
      expect(observed.status).toBe(ContainerStatus.Created);
      expect(observed.statusDetail).toBe('Created');
    },
  );

  it('treats an empty StartedAt as never started', () => {
    const observed = observeState(inspect({ StartedAt: '' }), ContainerStatus.Creating, NOW);
    expect(observed.status).toBe(ContainerStatus.Created);
  });

  it('reports a container started but neither running nor finished as Unknown', () => {
    const info = inspect({ Status: 'exited', StartedAt: before(10), FinishedAt: ZERO });
    expect(observeState(info, ContainerStatus.Running, NOW)).toEqual({
      status: ContainerStatus.Unknown,
      statusDetail: '',
      statusReason: 'unexpected container state',
    });
  });

  it('reports an engine error on an exited container as Stopped with the error as reason', () => {
    const info = inspect({
      Status: 'exited',
      ExitCode: 127,
      Error: 'exec: "nope": executable file not found in $PATH',
      StartedAt: ZERO,
      FinishedAt: before(5),
    });
    expect(observeState(info, ContainerStatus.Creating, NOW)).toEqual({
      status: ContainerStatus.Stopped,
      statusDetail: 'Exited(127) 5 seconds ago (error)',
      statusReason: 'exec: "nope": executable file not found in $PATH',
    });
  });

  it('maps the status of an errored container that is being removed to Stopped', () => {
    const info = inspect({ Status: 'removing', Error: 'boom', FinishedAt: before(1) });
    expect(observeState(info, ContainerStatus.Running, NOW).status).toBe(ContainerStatus.Stopped);
  });

  it('capitalises the engine status of an errored container when Zun knows it', () => {
    const info = inspect({ Status: 'created', Error: 'mount failed', ExitCode: 0, FinishedAt: before(2) });
    const observed = observeState(info, ContainerStatus.Creating, NOW);
    expect(observed.status).toBe(ContainerStatus.Created);
    expect(observed.statusDetail).toBe('Exited(0) 2 seconds ago (error)');
    expect(observed.statusReason).toBe('mount failed');
  });

  // A container whose start failed has an Error and both times at Docker's zero time (year 1):
  // it must not read as exited 739006 days ago.
  it('does not age an errored container from the zero time', () => {
    const info = inspect({
      Status: 'created',
      ExitCode: 127,
      Error: 'failed to create task: exec: "nope": executable file not found in $PATH',
      StartedAt: ZERO,
      FinishedAt: ZERO,
    });
    const observed = observeState(info, ContainerStatus.Creating, NOW);
    expect(observed.status).toBe(ContainerStatus.Created);
    expect(observed.statusDetail).toBe('Exited(127) 0 seconds ago (error)');
  });

  it('keeps the current status of an errored container whose engine status Zun does not know', () => {
    const info = inspect({ Status: 'weird', Error: 'boom', FinishedAt: before(1) });
    expect(observeState(info, ContainerStatus.Running, NOW).status).toBe(ContainerStatus.Running);
  });
});

describe('statusFromListState', () => {
  it.each([
    ['paused', ContainerStatus.Paused],
    ['running', ContainerStatus.Running],
    ['dead', ContainerStatus.Dead],
    ['restarting', ContainerStatus.Restarting],
    ['exited', ContainerStatus.Stopped],
    ['removing', ContainerStatus.Stopped],
    ['bogus', ContainerStatus.Unknown],
    ['', ContainerStatus.Unknown],
  ])('%p maps to %s', (state, status) => {
    expect(statusFromListState(state, ContainerStatus.Running)).toBe(status);
  });

  it('moves Creating to Created on "created" and otherwise keeps the current status', () => {
    expect(statusFromListState('created', ContainerStatus.Creating)).toBe(ContainerStatus.Created);
    expect(statusFromListState('created', ContainerStatus.Error)).toBe(ContainerStatus.Error);
    expect(statusFromListState('created', ContainerStatus.Restarting)).toBe(ContainerStatus.Restarting);
  });
});
