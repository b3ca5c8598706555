import { runEach, withOrWithout } from './selection';

describe('withOrWithout', () => {
  it('ticks and unticks the given rows, leaving the others and the original set alone', () => {
    const before = new Set(['a', 'b']);
    expect([...withOrWithout(before, ['c', 'd'], true)].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...withOrWithout(before, ['b', 'x'], false)]).toEqual(['a']);
    expect([...before]).toEqual(['a', 'b']);
  });
});

describe('runEach', () => {
  const opts = { verb: 'Delete', name: (n: number) => `item-${n}`, accepted: 'Delete: accepted for 3.' };

  it('says every request was accepted when none failed', async () => {
    const done: number[] = [];
    const msg = await runEach([1, 2, 3], async (n) => void done.push(n), opts);
    expect(msg).toEqual({ kind: 'info', text: 'Delete: accepted for 3.' });
    expect(done.sort()).toEqual([1, 2, 3]);
  });

  it('runs all of them even when some fail, and names each failure with its reason', async () => {
    const done: number[] = [];
    const msg = await runEach(
      [1, 2, 3],
      async (n) => {
        if (n !== 2) throw new Error(`refused ${n}`);
        done.push(n);
      },
      opts,
    );
    expect(done).toEqual([2]);
    expect(msg).toEqual({ kind: 'error', text: 'Delete failed. item-1: refused 1 item-3: refused 3' });
  });
});
