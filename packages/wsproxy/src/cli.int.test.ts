import { execCli } from '../../../test/support/cli';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db';
import { BUSYBOX, TestStack } from '../../../test/support/stack';
import { TmuxTerminal } from '../../../test/support/tmux';

/**
 * The unmodified `zun` CLI in a real pseudo-terminal (tmux) against zun-api, zun-wsproxy, a
 * real zun-compute and the real engine: what a user types and what the screen shows.
 */
describe('zun run -i / attach / exec -i with the real CLI in a terminal', () => {
  let db: TestDatabase;
  let stack: TestStack;
  let term: TmuxTerminal;
  let cliEnv: Record<string, string>;

  // /usr/bin/zun itself, a process per call (not the e2e tests' CLI server).
  const zun = (...args: string[]) => execCli('zun', args, { PATH: process.env.PATH, ...cliEnv });
  beforeAll(async () => {
    db = await createTestDatabase();
    stack = new TestStack(db);
    const proxy = await stack.startWsProxy();
    await stack.startApi({ ZUN_WEBSOCKET_PROXY_BASE_URL: proxy.url });
    await stack.startAgent();
    cliEnv = {
      OS_AUTH_URL: `${stack.api.url}/identity/v3`,
      OS_USERNAME: 'demo',
      OS_PASSWORD: stack.demoPassword,
      OS_PROJECT_NAME: 'demo',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_IDENTITY_API_VERSION: '3',
      OS_REGION_NAME: 'RegionOne',
      TERM: 'xterm',
      HOME: process.env.HOME ?? '/root',
    };
  });
  beforeEach(async () => {
    term = new TmuxTerminal();
    await term.start(cliEnv, 120, 40);
  });
  afterEach(async () => {
    await term.stop();
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('zun run -i: a shell in a new container, commands typed and answered, resize seen by stty', async () => {
    await term.type(`zun run -i --name cli-run ${BUSYBOX} sh`);
    await term.waitFor(/connected to|ERROR/).catch(() => undefined);
    const made = await stack.call<Record<string, unknown>>('GET', '/v1/containers/cli-run');
    expect([made.body.status, made.body.status_reason]).toEqual(['Running', null]);
    await term.enterShell('run');
    await term.sttySize(40, 120);
    // SIGWINCH makes the client resize the container's TTY through the API.
    await term.resize(100, 30);
    await term.sttySize(30, 100);
    // Leaving the shell ends the container's main process: the client returns to bash.
    await term.type('exit');
    // The client returns to bash (its prompt) once the proxy closes the session.
    await term.backToBash();
    await term.type('echo "back=$?"');
    await term.waitFor('back=0');
    const c = await stack.waitFor('cli-run', (v) => v.status === 'Stopped', 30_000, 'demo');
    expect(c.interactive).toBe(true);
    expect(c.tty).toBe(true);
  });

  it('zun attach to a running interactive container, and a second shell with zun exec -i of its own size', async () => {
    const r = await stack.call<Record<string, unknown>>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, name: 'cli-box', command: ['sh'], interactive: true, tty: true },
    });
    await stack.waitFor(String(r.body.uuid), (v) => v.status === 'Running');

    await term.type('zun attach cli-box');
    await term.enterShell('attach');
    await term.type('echo from-attach > /tmp/mark');
    await term.sttySize(40, 120);

    const second = new TmuxTerminal();
    await second.start(cliEnv, 90, 25);
    try {
      // python-zunclient 4.5.0 spells `exec -it` as `exec -i` (it has no -t; -i gives a TTY).
      await second.type('zun exec -i cli-box sh');
      await second.enterShell('exec');
      await second.type('cat /tmp/mark');
      await second.waitFor('from-attach');
      await second.sttySize(25, 90);
      await second.type('exit');
      await second.backToBash();
      await second.type('echo "exec-back=$?"');
      await second.waitFor('exec-back=0');
    } finally {
      await second.stop();
    }
    // The exec shell's exit leaves the container and the attached shell running.
    await term.type('echo still-here');
    await term.waitFor(/^still-here\s*$/m);
    const show = await stack.call<Record<string, unknown>>('GET', '/v1/containers/cli-box');
    expect(show.body.status).toBe('Running');

    // `~.` detaches: the client is back at bash, and the container and its shell live on.
    await term.detach();
    expect((await stack.call<Record<string, unknown>>('GET', '/v1/containers/cli-box')).body.status).toBe(
      'Running',
    );
    await term.type('zun attach cli-box');
    await term.enterShell('reattach');
    await term.type('cat /tmp/mark');
    await term.waitFor(/^from-attach\s*$/m);
  });

  it('non-interactive zun exec prints the output; the API returns the exit code', async () => {
    const r = await stack.call<Record<string, unknown>>('POST', '/v1/containers?run=true', {
      body: { image: BUSYBOX, name: 'cli-exec', command: ['sleep', '300'] },
    });
    await stack.waitFor(String(r.body.uuid), (v) => v.status === 'Running');
    const hi = await zun('exec', 'cli-exec', 'echo', 'hi');
    expect(hi).toMatchObject({ code: 0 });
    expect(hi.out).toBe('hi\n\n');
    // The CLI prints the output but (python-zunclient 4.5.0) drops the exit code the API returns.
    const three = await zun('exec', 'cli-exec', 'sh', '-c', 'echo bye; exit 3');
    expect(three.out).toBe('bye\n\n');
    const api = await stack.call(
      'POST',
      `/v1/containers/cli-exec/execute?command=${encodeURIComponent('"sh" "-c" "echo bye; exit 3"')}`,
    );
    expect(api.body).toMatchObject({ output: 'bye\n', exit_code: 3 });
    // Not interactive: attach is refused with the reason.
    const attach = await zun('attach', 'cli-exec');
    expect(attach.code).not.toBe(0);
    expect(attach.err).toContain('interactive');
  });
});
