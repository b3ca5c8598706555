import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import type Docker from 'dockerode';
import { freePort } from './aio-stack';
import { BUSYBOX } from './stack';

/**
 * A second Debian docker-registry on a free loopback port with htpasswd (bcrypt) auth, holding
 * `<domain>/private/busybox:latest` pushed with the credentials. stop() ends it by its pid.
 */
export class AuthRegistry {
  readonly username = 'reguser';
  readonly password = `pw-${randomBytes(6).toString('hex')}`;
  readonly repository = 'private/busybox';
  domain = '';
  private child: ChildProcess | null = null;
  private dir = '';
  private log = '';

  get image(): string {
    return `${this.domain}/${this.repository}`;
  }

  async start(docker: Docker): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'zun-authreg-'));
    const port = await freePort();
    this.domain = `127.0.0.1:${port}`;
    await writeFile(
      path.join(this.dir, 'htpasswd'),
      `${this.username}:${bcrypt.hashSync(this.password, 10)}\n`,
    );
    await writeFile(
      path.join(this.dir, 'config.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${path.join(this.dir, 'data')}`,
        'auth:',
        '  htpasswd:',
        '    realm: zun-test',
        `    path: ${path.join(this.dir, 'htpasswd')}`,
        'http:',
        `  addr: ${this.domain}`,
        '',
      ].join('\n'),
    );
    this.child = spawn('/usr/bin/docker-registry', ['serve', path.join(this.dir, 'config.yml')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = await fetch(`http://${this.domain}/v2/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 401) break;
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(`authenticated registry did not start (last status ${status}): ${this.log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.push(docker);
  }

  /** busybox from the shared registry, pushed here with the credentials. */
  private async push(docker: Docker): Promise<void> {
    const follow = (stream: NodeJS.ReadableStream): Promise<void> =>
      new Promise((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
          const failed = events?.find((e) => e.error);
          if (err) reject(err);
          else if (failed) reject(new Error(String(failed.error)));
          else resolve();
        }),
      );
    await follow((await docker.pull(`${BUSYBOX}:latest`)) as NodeJS.ReadableStream);
    await docker.getImage(`${BUSYBOX}:latest`).tag({ repo: this.image, tag: 'latest' });
    const auth = { username: this.username, password: this.password, serveraddress: this.domain };
    await follow(
      (await docker.getImage(this.image).push({ tag: 'latest', authconfig: auth })) as NodeJS.ReadableStream,
    );
    // The engine must pull it from the registry in the tests, not find it locally.
    await docker.getImage(`${this.image}:latest`).remove();
  }

  /** Removes the image from the engine, so the next create has to pull. */
  async forget(docker: Docker, ref = `${this.image}:latest`): Promise<void> {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
