import { IGNORED_HINTS, labelRequirements, normalizeHints } from './hints';

describe('normalizeHints', () => {
  it('returns a plain object as is', () => {
    const hints = { 'label:a': 'b', group: 'g' };
    expect(normalizeHints(hints)).toBe(hints);
  });
  it.each([null, undefined, 'label:a=b', ['label:a'], 7, false])('turns %p into no hints', (hints) => {
    expect(normalizeHints(hints)).toEqual({});
  });
});

describe('labelRequirements', () => {
  it('ignores the affinity hints upstream accepts', () => {
    expect(IGNORED_HINTS).toEqual(['group', 'same_host', 'different_host']);
    expect(labelRequirements({ group: 'g', same_host: 'a', different_host: ['b'], 'label:x': 'y' })).toEqual([
      ['x', 'y'],
    ]);
  });
  it('does not read a string as hints keyed by index', () => {
    expect(labelRequirements('label:x')).toEqual([]);
  });
});
