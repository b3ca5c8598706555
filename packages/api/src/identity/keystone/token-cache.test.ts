import { eventMatches, TokenCache, type ValidatedToken } from './token-cache';

function token(
  over: { expiresAt?: number; userId?: string; projectId?: string; auditIds?: string[] } = {},
): ValidatedToken {
  return {
    context: {
      userId: over.userId ?? 'u1',
      userName: 'demo',
      projectId: over.projectId ?? 'p1',
      projectName: 'demo',
      domainId: 'default',
      roles: ['member'],
      isAdmin: false,
      tokenExpiresAt: new Date(over.expiresAt ?? 1_000_000),
    },
    auditIds: over.auditIds ?? ['a1', 'chain'],
    issuedAt: 1000,
    roleIds: ['r-member'],
  };
}

describe('TokenCache', () => {
  it('drops the least recently used entry beyond its size', () => {
    const cache = new TokenCache(2, 10_000, () => 0);
    cache.set('a', token());
    cache.set('b', token());
    cache.get('a');
    cache.set('c', token());
    expect(cache.get('b')).toBeNull();
    expect(cache.get('a')).not.toBeNull();
    expect(cache.get('c')).not.toBeNull();
    expect(cache.size).toBe(2);
  });

  it("never keeps an entry past its TTL or the token's expiry", () => {
    let now = 0;
    const cache = new TokenCache(10, 10_000, () => now);
    cache.set('short', token({ expiresAt: 3_000 }));
    cache.set('long', token({ expiresAt: 1_000_000 }));
    now = 3_000;
    expect(cache.get('short')).toBeNull();
    expect(cache.get('long')).not.toBeNull();
    now = 10_000;
    expect(cache.get('long')).toBeNull();
  });

  it('keeps nothing with size 0', () => {
    const cache = new TokenCache(0, 10_000, () => 0);
    cache.set('a', token());
    expect(cache.get('a')).toBeNull();
  });

  it('drops exactly the entries a revocation event names', () => {
    const cache = new TokenCache(10, 10_000, () => 0);
    cache.set('mine', token({ auditIds: ['x', 'chain-x'] }));
    cache.set('sibling', token({ auditIds: ['y', 'chain-y'] }));
    cache.set('other-user', token({ userId: 'u2', auditIds: ['z'] }));
    expect(cache.revoke([{ audit_id: 'x' }])).toBe(1);
    expect(cache.get('mine')).toBeNull();
    expect(cache.revoke([{ user_id: 'u1', issued_before: new Date(2000).toISOString() }])).toBe(1);
    expect(cache.get('sibling')).toBeNull();
    expect(cache.get('other-user')).not.toBeNull();
  });
});

describe('eventMatches', () => {
  it('spares tokens issued after issued_before and other projects', () => {
    expect(eventMatches({ user_id: 'u1', issued_before: new Date(500).toISOString() }, token())).toBe(false);
    expect(eventMatches({ project_id: 'p2' }, token())).toBe(false);
    expect(eventMatches({ audit_chain_id: 'chain' }, token())).toBe(true);
    expect(eventMatches({ role_id: 'r-member', project_id: 'p1' }, token())).toBe(true);
  });

  it('counts a constraint it cannot check as a match, so doubt drops the entry', () => {
    expect(eventMatches({ user_id: 'u1', trust_id: 't1' }, token())).toBe(true);
  });
});
