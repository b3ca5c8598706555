/** A project-scoped token from the identity service at `apiUrl` (password method, Default domain). */
export async function issueToken(
  apiUrl: string,
  user: string,
  password: string,
  project = user,
): Promise<string> {
  const res = await fetch(`${apiUrl}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { name: 'Default' }, password } },
        },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`cannot get a token for ${user}: ${res.status}`);
  return token;
}
