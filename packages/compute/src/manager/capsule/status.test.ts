import { ContainerStatus, type Container } from '@zun/common';
import { capsuleVerdict } from './status';

type Member = Pick<
  Container,
  'uuid' | 'name' | 'status' | 'status_reason' | 'status_detail' | 'restart_policy'
>;

const member = (name: string, status: ContainerStatus, extra: Partial<Member> = {}): Member => ({
  uuid: `uuid-${name}`,
  name,
  status,
  status_reason: null,
  status_detail: null,
  restart_policy: { Name: 'always', MaximumRetryCount: '0' },
  ...extra,
});

describe('capsuleVerdict', () => {
  const up = { running: true } as const;

  it('is Running while the sandbox runs and every member runs or is being restarted', () => {
    expect(
      capsuleVerdict('sb', up, [
        member('a', ContainerStatus.Running),
        member('b', ContainerStatus.Restarting),
      ]),
    ).toEqual({ status: 'Running', reason: null });
  });

  it('names the first member that stopped for good, with its exit code and restart policy', () => {
    const stopped = member('b', ContainerStatus.Stopped, {
      status_detail: 'Exited(137) 2 seconds ago ',
      restart_policy: { Name: 'no', MaximumRetryCount: '0' },
    });
    expect(capsuleVerdict('sb', up, [member('a', ContainerStatus.Running), stopped])).toEqual({
      status: 'Error',
      reason:
        'Capsule member b (uuid-b) exited with code 137 and its restart policy (no) does not restart it',
    });
  });

  it('gives the reason of a member in Error (e.g. removed outside the service)', () => {
    const gone = member('a', ContainerStatus.Error, { status_reason: 'No such container: x in docker' });
    expect(capsuleVerdict('sb', up, [gone]).reason).toBe(
      'Capsule member a (uuid-a) is Error: No such container: x in docker',
    );
  });

  it('is Error when the sandbox exited or is gone, whatever the members', () => {
    const members = [member('a', ContainerStatus.Running)];
    expect(capsuleVerdict('sb', { running: false, exitCode: 0, state: 'exited' }, members)).toEqual({
      status: 'Error',
      reason: "The capsule's sandbox container sb exited with code 0; its members have no network",
    });
    expect(capsuleVerdict('sb', 'gone', members).reason).toBe(
      "The capsule's sandbox container sb was removed outside the service; its members have no network",
    );
    expect(capsuleVerdict('sb', { running: false, exitCode: null, state: 'paused' }, members).reason).toBe(
      "The capsule's sandbox container sb is paused",
    );
  });
});
