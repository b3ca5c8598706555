import { InputError } from '@zun/common';
import { normaliseSignal } from './kill';

describe('normaliseSignal (containers.md §8.5)', () => {
  it.each([
    ['SIGTERM', 'SIGTERM'],
    ['TERM', 'SIGTERM'],
    ['sigterm', 'SIGTERM'],
    ['term', 'SIGTERM'],
    ['15', 'SIGTERM'],
    ['9', 'SIGKILL'],
    ['usr1', 'SIGUSR1'],
    ['64', 'SIGRTMAX'],
    ['SIGRTMIN', 'SIGRTMIN'],
  ])('%s → %s', (raw, want) => {
    expect(normaliseSignal(raw)).toBe(want);
  });

  it('absent or None means the engine default', () => {
    expect(normaliseSignal(undefined)).toBeNull();
    expect(normaliseSignal('None')).toBeNull();
  });

  it.each(['SigTerm', 'SIGBOGUS', '0', '32', '65', '', 'none', 'SIG', '-9', ' 9'])('refuses %j', (raw) => {
    expect(() => normaliseSignal(raw)).toThrow(InputError);
  });
});
