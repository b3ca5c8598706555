import { readableError } from './api';

export interface Project {
  id: string;
  name: string;
}

export interface Session {
  token: string;
  user: string;
  project: Project;
  roles: string[];
  expiresAt: string;
}

const KEY = 'zun-console-session';

interface TokenBody {
  token: {
    user: { name: string };
    project?: { id: string; name: string };
    roles?: { name: string }[];
    expires_at: string;
  };
}

/** Admins see the admin pages; the API enforces the same with its policy anyway. */
export const isAdmin = (s: Session): boolean => s.roles.includes('admin');

async function authenticate(identity: unknown, scope: unknown): Promise<Session> {
  const res = await fetch('/identity/v3/auth/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity, scope } }),
  });
  const text = await res.text();
  if (!res.ok) {
    if (res.status === 401)
      throw new Error('The user name or password is not right, or the project is not yours.');
    throw new Error(readableError(res.status, res.statusText, text));
  }
  const token = res.headers.get('X-Subject-Token');
  const body = JSON.parse(text) as TokenBody;
  if (!token || !body.token.project) throw new Error('The identity service gave no project-scoped token.');
  const session: Session = {
    token,
    user: body.token.user.name,
    project: body.token.project,
    roles: (body.token.roles ?? []).map((r) => r.name),
    expiresAt: body.token.expires_at,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** Password sign-in, scoped to a project of the Default domain (the user's own when blank). */
export function signIn(user: string, password: string, project: string): Promise<Session> {
  return authenticate(
    { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
    { project: { name: project || user, domain: { name: 'Default' } } },
  );
}

/** A token for another of the user's projects, from the current one (no password again). */
export function switchProject(current: Session, projectId: string): Promise<Session> {
  return authenticate({ methods: ['token'], token: { id: current.token } }, { project: { id: projectId } });
}

export async function listProjects(s: Session): Promise<Project[]> {
  const res = await fetch('/identity/v3/auth/projects', { headers: { 'X-Auth-Token': s.token } });
  if (!res.ok) return [s.project];
  return ((await res.json()) as { projects: Project[] }).projects;
}

export function savedSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const s = JSON.parse(raw) as Session;
  return Date.parse(s.expiresAt) > Date.now() ? s : null;
}

export async function signOut(s: Session): Promise<void> {
  sessionStorage.removeItem(KEY);
  // Revoke the token as `openstack token revoke` would; the page is gone either way.
  await fetch('/identity/v3/auth/tokens', {
    method: 'DELETE',
    headers: { 'X-Auth-Token': s.token, 'X-Subject-Token': s.token },
  }).catch(() => undefined);
}

export function forget(): void {
  sessionStorage.removeItem(KEY);
}
