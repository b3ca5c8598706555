import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** The real clients the end-to-end tests drive (Debian python3-zunclient, python3-openstackclient). */
export type Program = 'zun' | 'openstack';

/**
 * Runs the real `zun` or `openstack` CLI. By default through test/support/cli-server.py, which
 * imports the client once and forks for each call the same `main()` that the program in
 * /usr/bin runs: a call then costs its own work instead of one to two seconds of Python
 * start-up (minutes of the suite's CPU). `ZUN_E2E_CLI=exec` runs the program in /usr/bin for
 * every call instead; execCli always does.
 */
export async function runCli(program: Program, argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  if (process.env.ZUN_E2E_CLI === 'exec') return execCli(program, argv, env);
  const socketPath = await server(program);
  return new Promise<CliResult>((resolve) => {
    const conn = connect(socketPath);
    let answer = '';
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${JSON.stringify({ argv, env, cwd: process.cwd() })}\n`));
    conn.on('data', (d: string) => (answer += d));
    conn.on('error', (e) => resolve({ code: 1, out: '', err: `${program} CLI server: ${e.message}` }));
    conn.on('close', () => {
      try {
        resolve(JSON.parse(answer) as CliResult);
      } catch {
        resolve({ code: 1, out: '', err: `${program} CLI server: no answer for ${argv.join(' ')}` });
      }
    });
  });
}

/** The program in /usr/bin as a process of its own. */
export async function execCli(program: Program, argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(`/usr/bin/${program}`, argv, { env, timeout: 60_000 });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout, err: x.stderr };
  }
}

const servers = new Map<Program, Promise<string>>();

/** This test process's server for the program (one per jest worker), started at its first call. */
function server(program: Program): Promise<string> {
  let started = servers.get(program);
  if (started) return started;
  started = new Promise<string>((resolve, reject) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zun-cli-'));
    const socketPath = path.join(dir, `${program}.sock`);
    // Its stdin is a pipe from this process: when this process goes, the server sees EOF and exits.
    const child: ChildProcess = spawn(
      '/usr/bin/python3',
      [path.join(__dirname, 'cli-server.py'), program, socketPath],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    child.stdout?.once('data', () => resolve(socketPath));
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      servers.delete(program);
      reject(new Error(`${program} CLI server exited (${code})`));
    });
    // None of them keeps a test process alive by itself.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  });
  servers.set(program, started);
  return started;
}
