/**
 * The benches' client of the stack under test: an admin token from its identity service, then
 * JSON calls at the newest microversion. scripts/bench.sh passes the URL and password.
 */
export const API = process.env.BENCH_API_URL ?? 'http://127.0.0.1:29517';
const PASSWORD = process.env.BENCH_ADMIN_PASSWORD ?? '';

let token = '';

export async function login(): Promise<void> {
  const res = await fetch(`${API}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'admin', domain: { name: 'Default' }, password: PASSWORD } },
        },
        scope: { project: { name: 'admin', domain: { name: 'Default' } } },
      },
    }),
  });
  token = res.headers.get('x-subject-token') ?? '';
  if (!token) throw new Error(`login failed: ${res.status}`);
}

export async function api<T>(
  method: string,
  p: string,
  body?: unknown,
  base = API,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: {
      'X-Auth-Token': token,
      'OpenStack-API-Version': 'container 1.40',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
