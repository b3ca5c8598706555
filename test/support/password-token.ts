/**
 * A project-scoped token by Keystone's password method, users and projects in the Default
 * domain, from the identity v3 API at `v3Url` (the built-in identity's `<api>/identity/v3` or a
 * real Keystone's `/v3`). Both answer the same request, so every test asks the same way.
 */
export async function passwordToken(
  v3Url: string,
  user: string,
  password: string,
  project = user,
): Promise<string> {
  const res = await fetch(`${v3Url}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user, domain: { id: 'default' }, password } },
        },
        scope: { project: { name: project, domain: { id: 'default' } } },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token) throw new Error(`no token for ${user}: ${res.status}`);
  return token;
}
