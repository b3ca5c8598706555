import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { dataLocation, LocalPostgres, reachable } from './local-postgres';

const asRoot = process.getuid?.() === 0;

describe('reachable', () => {
  const base = mkdtempSync(path.join(tmpdir(), 'zun-reach-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const other = { uid: 54321, gid: 54321 };

  it('needs search permission on every parent for another user', () => {
    const inner = path.join(base, 'a', 'b');
    mkdirSync(inner, { recursive: true, mode: 0o755 });
    chmodSync(base, 0o755);
    expect(reachable(path.join(inner, 'data'), other)).toBe(true);
    chmodSync(base, 0o700); // as `mktemp -d` and /root make them
    expect(reachable(path.join(inner, 'data'), other)).toBe(false);
    chmodSync(base, 0o711); // search without listing is enough
    expect(reachable(path.join(inner, 'data'), other)).toBe(true);
  });

  it('keeps the data where asked when no user switch happens', () => {
    expect(dataLocation('/root/x/.zun/pg', undefined)).toBe('/root/x/.zun/pg');
  });
});

(asRoot ? describe : describe.skip)('LocalPostgres as root in a private folder', () => {
  it('runs the server as the postgres user with the data moved where it can reach it', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'zun-private-')); // 0700, like /root
    const pg = await LocalPostgres.create({
      dataDir: path.join(home, '.zun', 'pg'),
      user: 'zun',
      password: 'secret',
      port: 55000 + Math.floor(Math.random() * 400),
    });
    try {
      expect(pg.relocated).toBe(true);
      expect(pg.dataDir.startsWith('/var/lib/zun-ts/pg/')).toBe(true);
      await pg.initialise();
      await pg.start();
      const port = pg.port;
      const c = new Client({
        host: '127.0.0.1',
        port,
        user: 'zun',
        password: 'secret',
        database: 'postgres',
      });
      await c.connect();
      const who = await c.query<{ u: string }>("SELECT current_setting('data_directory') AS u");
      await c.end();
      expect(who.rows[0].u).toBe(pg.dataDir);
      // A wrong password is refused: initdb set real authentication, not trust.
      const bad = new Client({
        host: '127.0.0.1',
        port,
        user: 'zun',
        password: 'nope',
        database: 'postgres',
      });
      await expect(bad.connect()).rejects.toThrow();
    } finally {
      await pg.destroy();
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  it("replaces relocated data left by a removed state folder at the same path, and keeps a live one's", async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'zun-reclone-'));
    const dataDir = path.join(home, '.zun', 'pg');
    const port = 55400 + Math.floor(Math.random() * 400);
    const signIn = async (password: string) => {
      const c = new Client({ host: '127.0.0.1', port, user: 'zun', password, database: 'postgres' });
      await c.connect();
      await c.end();
    };
    const first = await LocalPostgres.create({ dataDir, user: 'zun', password: 'first', port });
    let second: LocalPostgres | undefined;
    try {
      expect(await first.prepareData(true)).toBe('initialised');
      await first.start();
      await first.stop();
      // The same state folder started again: its data is reused, never replaced.
      expect(await first.prepareData(false)).toBe('reused');
      // The folder removed and the repository cloned again at the same path: new secrets.
      second = await LocalPostgres.create({ dataDir, user: 'zun', password: 'second', port });
      expect(second.dataDir).toBe(first.dataDir);
      expect(await second.prepareData(true)).toBe('replaced');
      await second.start();
      await expect(signIn('second')).resolves.toBeUndefined();
      await expect(signIn('first')).rejects.toThrow();
    } finally {
      await (second ?? first).destroy();
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});
