/**
 * The benches' client of the stack under test: an admin token from its identity service, then
 * JSON calls at the newest microversion. scripts/bench.sh passes the URL and password.
 */
export const API = process.env.BENCH_API_URL ?? 'http://127.0.0.1:29517';
const PASSWORD = process.env.BENCH_ADMIN_PASSWORD ?? '';

let token = '';

export interface PasswordToken {
  token: string;
  /** The identity service's answer: the token's user, project, roles and expiry. */
  body: {
    token: {
      user: { name: string };
      project: { id: string; name: string };
      roles: { name: string }[];
      expires_at: string;
    };
  };
}

/**
 * A token scoped to the project of the user's name, by password, from a Keystone v3 API (ours
 * at `<api>/identity/v3`, the console's proxy of it, or a real Keystone).
 */
export async function passwordToken(
  identityV3: string,
  user: string,
  password: string,
): Promise<PasswordToken> {
  const res = await fetch(`${identityV3}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { name: 'Default' }, password } },
        },
        scope: { project: { name: user, domain: { name: 'Default' } } },
      },
    }),
  });
  const got = res.headers.get('x-subject-token');
  if (res.status !== 201 || !got)
    throw new Error(`${user} could not sign in at ${identityV3}: ${res.status}`);
  return { token: got, body: (await res.json()) as PasswordToken['body'] };
}

/** Signs the benches' calls in as admin (of the stack at `base`, the bench stack's unless given). */
export async function login(base = API, password = PASSWORD): Promise<void> {
  token = (await passwordToken(`${base}/identity/v3`, 'admin', password)).token;
}

/** The headers of an API call: the token and the newest microversion. */
export function apiHeaders(withBody: boolean): Record<string, string> {
  return {
    'X-Auth-Token': token,
    'OpenStack-API-Version': 'container 1.40',
    ...(withBody ? { 'Content-Type': 'application/json' } : {}),
  };
}

export async function api<T>(
  method: string,
  p: string,
  body?: unknown,
  base = API,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: apiHeaders(body !== undefined),
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
