import { evaluate, parseCheck, PolicySyntaxError, type Check, type Credentials } from './check';

const member: Credentials = { roles: ['member', 'reader'], project_id: 'p1', user_id: 'u1', is_admin: false };
const admin: Credentials = { roles: ['Admin'], project_id: 'p0', user_id: 'u0', is_admin: true };
const named: Record<string, Check> = {
  context_is_admin: parseCheck('role:admin'),
  owner: parseCheck('project_id:%(project_id)s'),
  loop: parseCheck('rule:loop'),
};
const check = (text: string, creds: Credentials, target: Record<string, unknown> = { project_id: 'p1' }) =>
  evaluate(parseCheck(text), target, creds, (n) => named[n]);

describe('the policy check language', () => {
  it('has the constants: "" and @ allow, ! denies', () => {
    expect(check('', member)).toBe(true);
    expect(check('@', member)).toBe(true);
    expect(check('!', admin)).toBe(false);
  });

  it('matches roles without regard to case', () => {
    expect(check('role:admin', admin)).toBe(true);
    expect(check('role:admin', member)).toBe(false);
    expect(check('role:READER', member)).toBe(true);
  });

  it('compares credentials with target fields and literals', () => {
    expect(check('project_id:%(project_id)s', member)).toBe(true);
    expect(check('project_id:%(project_id)s', member, { project_id: 'p2' })).toBe(false);
    // A target without the field named never matches.
    expect(check('project_id:%(project_id)s', member, {})).toBe(false);
    expect(check('is_admin:True', admin)).toBe(true);
    expect(check('is_admin:True', member)).toBe(false);
    expect(check('is_admin:False', member)).toBe(true);
    expect(check("user_id:'u1'", member)).toBe(true);
    expect(check('user_id:u2', member)).toBe(false);
  });

  it('follows rules by name; an unknown rule or a loop fails closed', () => {
    expect(check('rule:context_is_admin', admin)).toBe(true);
    expect(check('rule:owner', member)).toBe(true);
    expect(check('rule:nosuch', admin)).toBe(false);
    expect(check('rule:loop', admin)).toBe(false);
  });

  it('combines with not, and, or and parentheses, with not > and > or', () => {
    expect(check('is_admin:True or project_id:%(project_id)s', member)).toBe(true);
    expect(check('is_admin:True or project_id:%(project_id)s', member, { project_id: 'x' })).toBe(false);
    expect(check('role:member and not role:admin', member)).toBe(true);
    expect(check('role:member and not role:admin', admin)).toBe(false);
    // and binds tighter than or: (admin) or (member and x) ...
    expect(check('role:admin or role:member and role:nobody', member)).toBe(false);
    expect(check('(role:admin or role:member) and role:reader', member)).toBe(true);
    expect(check('not (role:admin or role:member)', member)).toBe(false);
    expect(check('((role:admin) or (project_id:%(project_id)s))', member)).toBe(true);
  });

  it('refuses what it cannot read, naming the rule text', () => {
    for (const bad of [
      'role:admin or',
      '(role:admin',
      'role:admin)',
      'admin',
      'and role:x',
      'http://x/check',
    ])
      expect(() => parseCheck(bad)).toThrow(PolicySyntaxError);
    expect(() => parseCheck('(role:admin')).toThrow(/\(role:admin/);
  });
});
