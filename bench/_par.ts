const API = process.env.API ?? 'http://127.0.0.1:9517';
(async () => {
  const pw = require('/work/main/.zun/secrets.json').adminPassword;
  const res = await fetch(`${API}/identity/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: pw } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } }) });
  const token = res.headers.get('x-subject-token')!;
  const h = { 'X-Auth-Token': token, 'OpenStack-API-Version': 'container 1.40', 'Content-Type': 'application/json' };
  const wall0 = Date.now();
  const posts = await Promise.all(Array.from({ length: 10 }, async () => {
    const t = Date.now();
    const r = await fetch(`${API}/v1/containers?run=true`, { method: 'POST', headers: h, body: JSON.stringify({ image: '127.0.0.1:5000/busybox', command: ['sleep', '300'], cpu: 0.1, memory: 32, image_pull_policy: 'ifnotpresent' }) });
    const b = await r.json() as { uuid: string };
    return { uuid: b.uuid, post: Date.now() - t };
  }));
  console.log('posts', posts.map((p) => p.post).join(','));
  for (;;) {
    const l = await (await fetch(`${API}/v1/containers`, { headers: h })).json() as { containers: { uuid: string; status: string; updated_at: string }[] };
    const mine = l.containers.filter((c) => posts.some((p) => p.uuid === c.uuid));
    if (mine.every((c) => c.status === 'Running')) {
      console.log('running at', mine.map((c) => Date.parse(c.updated_at.replace(' ', 'T') + 'Z') - wall0).sort((a, b) => a - b).join(','));
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(posts.map((p) => fetch(`${API}/v1/containers/${p.uuid}?force=True&stop=True`, { method: 'DELETE', headers: h })));
})();
