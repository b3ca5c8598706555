import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Credentials } from './check';
import { DEFAULT_RULES } from './defaults';
import { PolicyEnforcer } from './enforcer';
import { renderPolicySample } from './sample';
import { POLICY_SAMPLE_PATH } from './write-sample';
import { readFileSync } from 'node:fs';

const member: Credentials = { roles: ['member'], project_id: 'p1', user_id: 'u1', is_admin: false };
const admin: Credentials = { roles: ['admin'], project_id: 'p0', user_id: 'u0', is_admin: true };

describe('PolicyEnforcer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'zun-policy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the defaults: owners act on their own project, admins on any, admin-only rules refuse members', () => {
    const p = new PolicyEnforcer();
    expect(p.allowed('container:start', member)).toBe(true);
    expect(p.allowed('container:start', member, { project_id: 'p2' })).toBe(false);
    expect(p.allowed('container:start', admin, { project_id: 'p2' })).toBe(true);
    expect(p.allowed('host:get_all', member)).toBe(false);
    expect(p.allowed('host:get_all', admin)).toBe(true);
    expect(p.isAdmin({ ...admin, is_admin: false })).toBe(true);
    expect(p.isAdmin(member)).toBe(false);
  });

  it('every default parses and every rule it names exists', () => {
    const names = new Set(DEFAULT_RULES.map((r) => r.name));
    expect(names.size).toBe(DEFAULT_RULES.length);
    for (const r of DEFAULT_RULES)
      for (const m of r.check.matchAll(/rule:([\w:-]+)/g)) expect(names.has(m[1])).toBe(true);
  });

  it('fails closed on a rule that has no default', () => {
    expect(new PolicyEnforcer().allowed('container:no_such_verb', admin)).toBe(false);
  });

  it("applies the operator's file over the defaults and re-reads it when it changes", async () => {
    const file = path.join(dir, 'policy.yaml');
    writeFileSync(file, '"host:get_all": "role:member"\n"container:create": "role:admin"\n');
    const p = new PolicyEnforcer({ policyFile: file, policyDirs: [] });
    expect(p.allowed('host:get_all', member)).toBe(true);
    expect(p.allowed('container:create', member)).toBe(false);
    expect(p.allowed('container:start', member)).toBe(true); // unlisted: default

    writeFileSync(file, '"container:create": "@"\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    await new Promise((r) => setTimeout(r, 1_100)); // files are looked at once a second at most
    expect(p.allowed('container:create', member)).toBe(true);
    expect(p.allowed('host:get_all', member)).toBe(false); // back to its default
  });

  it('redefining context_is_admin changes who is an admin', () => {
    const file = path.join(dir, 'policy.yaml');
    writeFileSync(file, 'context_is_admin: "role:cloud-admin"\n');
    const p = new PolicyEnforcer({ policyFile: file, policyDirs: [] });
    expect(p.isAdmin({ ...admin, is_admin: false })).toBe(false);
    expect(p.isAdmin({ ...member, roles: ['cloud-admin'], is_admin: false })).toBe(true);
  });

  it('reads policy_dirs after the file, in name order', () => {
    const file = path.join(dir, 'policy.yaml');
    writeFileSync(file, '"host:get": "!"\n');
    const d = path.join(dir, 'policy.d');
    mkdirSync(d);
    writeFileSync(path.join(d, '10-a.yaml'), '"host:get": "@"\n');
    writeFileSync(path.join(d, '20-b.json'), '{"host:get_all": "@"}');
    const p = new PolicyEnforcer({ policyFile: file, policyDirs: [d] });
    expect(p.allowed('host:get', member)).toBe(true);
    expect(p.allowed('host:get_all', member)).toBe(true);
  });

  it('refuses a bad file at start-up, and keeps the rules in force when a later edit is bad', async () => {
    const file = path.join(dir, 'policy.yaml');
    writeFileSync(file, '"host:get_all": "role:admin or"\n');
    expect(() => new PolicyEnforcer({ policyFile: file, policyDirs: [] })).toThrow(/host:get_all/);

    writeFileSync(file, '"host:get_all": "@"\n');
    const p = new PolicyEnforcer({ policyFile: file, policyDirs: [] });
    writeFileSync(file, '"host:get_all": [not, a, string]\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    await new Promise((r) => setTimeout(r, 1_100));
    expect(p.allowed('host:get_all', member)).toBe(true);
  });
});

describe('deploy/policy.yaml.sample', () => {
  it('is what `npm run policy-sample` generates from the defaults', () => {
    expect(readFileSync(POLICY_SAMPLE_PATH, 'utf8')).toBe(renderPolicySample());
  });
});
