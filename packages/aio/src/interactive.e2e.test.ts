import { AioStack, BUSYBOX } from '../../../test/support/aio-stack';
import { TmuxTerminal } from '../../../test/support/tmux';

/**
 * Interactive sessions as a user gets them from `npm start`: the unmodified `zun` CLI in a real
 * terminal (tmux) through zun-wsproxy to the agent and the engine, as the demo user.
 */
describe('zun run -i / attach / exec -i against the all-in-one stack', () => {
  const stack = new AioStack({
    ports: {
      api: process.env.ZUN_E2E_API_PORT,
      agent: process.env.ZUN_E2E_AGENT_PORT,
      pg: process.env.ZUN_E2E_PG_PORT,
      wsproxy: process.env.ZUN_E2E_WSPROXY_PORT,
    },
  });
  const terms: TmuxTerminal[] = [];
  const terminal = async (cols: number, rows: number): Promise<TmuxTerminal> => {
    const t = new TmuxTerminal();
    terms.push(t);
    const env: Record<string, string> = { TERM: 'xterm' };
    for (const [k, v] of Object.entries(stack.demoEnv)) if (v !== undefined) env[k] = v;
    await t.start(env, cols, rows);
    return t;
  };

  beforeAll(async () => {
    await stack.start();
  });
  afterAll(async () => {
    for (const t of terms) await t.stop();
    await stack.destroy();
  });

  it('run -i, resize, a second shell by exec -i, attach again, and exec output', async () => {
    const term = await terminal(120, 40);
    await term.type(`zun run -i --name e2e-sh ${BUSYBOX} sh`);
    await term.enterShell('run');
    await term.sttySize(40, 120);
    await term.resize(132, 43);
    await term.sttySize(43, 132);
    await term.type('echo from-run > /tmp/mark');

    const second = await terminal(80, 24);
    await second.type('zun exec -i e2e-sh sh');
    await second.enterShell('exec');
    await second.type('cat /tmp/mark');
    await second.waitFor(/^from-run\s*$/m);
    await second.sttySize(24, 80);
    await second.type('exit');
    await second.backToBash();

    // A new attach (single-use tokens: each session gets its own) reaches the same shell.
    await term.type('exit');
    await term.backToBash();
    expect((await stack.waitStatus('e2e-sh', 'Stopped', 30_000, true)).interactive).toBe(true);
    await stack.zun('start', 'e2e-sh', { demo: true });
    await stack.waitStatus('e2e-sh', 'Running', 30_000, true);
    await term.type('zun attach e2e-sh');
    await term.enterShell('again');

    const exec = await stack.zun('exec', 'e2e-sh', 'echo', 'hi', { demo: true });
    expect(exec).toMatchObject({ code: 0, out: 'hi\n\n' });
    // Another project's interactive container cannot be attached to, or exec'd into, by demo.
    expect((await stack.zun('create', '-i', '--name', 'admin-sh', BUSYBOX, 'sh')).code).toBe(0);
    await stack.waitStatus('admin-sh', 'Created');
    expect((await stack.zun('start', 'admin-sh')).code).toBe(0);
    await stack.waitStatus('admin-sh', 'Running');
    for (const args of [
      ['attach', 'admin-sh'],
      ['exec', '-i', 'admin-sh', 'sh'],
      ['exec', 'admin-sh', 'ls'],
    ]) {
      const r = await stack.zun(...args, { demo: true });
      expect([args, r.code, r.err]).toEqual([args, 1, expect.stringContaining('could not be found')]);
    }
  });
});
