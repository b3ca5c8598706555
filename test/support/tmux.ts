import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** What python-zunclient prints once its WebSocket is open (a regexp source). */
const CONNECTED = 'type ~\\. to disconnect';

/**
 * A detached tmux server of its own (own socket) holding one shell in a pseudo-terminal: tests
 * type into it with send-keys and read the screen with capture-pane, like a user would.
 */
export class TmuxTerminal {
  private readonly socket = `zun-test-${randomBytes(4).toString('hex')}`;
  private connectsBefore = 0;

  private tmux(...args: string[]): Promise<{ stdout: string }> {
    return run('tmux', ['-L', this.socket, '-f', '/dev/null', ...args]);
  }

  async start(env: Record<string, string>, cols = 120, rows = 40): Promise<void> {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await this.tmux(
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(cols),
      '-y',
      String(rows),
      ...envArgs,
      'bash --norc --noprofile',
    );
    await this.tmux('set-option', '-g', 'status', 'off');
    await this.tmux('set-option', '-g', 'history-limit', '5000');
  }

  /** Types text literally, then Enter if asked. */
  async type(text: string, enter = true): Promise<void> {
    // A zun command may open a session: remember how many the screen has shown so far.
    if (/^zun /.test(text))
      this.connectsBefore = (await this.screen()).split(CONNECTED.replace('\\', '')).length - 1;
    if (text) await this.tmux('send-keys', '-t', 'main', '-l', text);
    if (enter) await this.tmux('send-keys', '-t', 'main', 'Enter');
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux('resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows));
  }

  async screen(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-J', '-t', 'main', '-S', '-5000')).stdout;
  }

  /** Waits until the screen (with history) matches; returns it. */
  async waitFor(pattern: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${String(pattern)} on the terminal; screen:\n${last}`);
  }

  /**
   * After `zun run -i` / `attach` / `exec -i`: the client prints "press Enter" before it puts
   * the terminal in raw mode (which discards pending input), so Enter is pressed until the
   * shell answers with a fresh prompt; then a computed echo proves the round trip.
   */
  async enterShell(marker: string): Promise<void> {
    await this.waitFor(new RegExp(`(${CONNECTED}[^]*){${this.connectsBefore + 1}}`));
    const deadline = Date.now() + 15_000;
    for (;;) {
      await this.type('');
      await new Promise((r) => setTimeout(r, 400));
      const after = (await this.screen()).split(CONNECTED.replace('\\', '')).pop() ?? '';
      if (/\/ # /.test(after) || Date.now() > deadline) break;
    }
    await this.type(`echo ${marker}-$((6*7))`);
    await this.waitFor(`${marker}-42`);
  }

  /** Types `stty size` until its latest answer is rows and columns (resizes arrive asynchronously). */
  async sttySize(rows: number, cols: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.type('stty size');
      await new Promise((r) => setTimeout(r, 300));
      const lines = (await this.screen()).split('\n');
      let answer = '';
      for (let i = lines.length - 2; i >= 0; i--) {
        if (/stty size\s*$/.test(lines[i]) && /^\d+ \d+\s*$/.test(lines[i + 1])) {
          answer = lines[i + 1].trim();
          break;
        }
      }
      if (answer === `${rows} ${cols}`) return;
      if (Date.now() > deadline) throw new Error(`stty size said "${answer}", not "${rows} ${cols}"`);
    }
  }

  /** Waits for the shell in the container to end and the local bash prompt to come back. */
  async backToBash(): Promise<void> {
    await this.waitFor(/\/ # exit\s*\n(.*\n)*bash-[\d.]+# $/m);
  }

  /**
   * `~.` at the start of a line, each key its own read as when typed by hand (the escape matches
   * whole reads, so pasted text never detaches); waits for the local bash prompt. A client stalled
   * on a busy host can read two keys at once, which is then typed through as text rather than
   * detaching, so the keys are typed again (the shell just gets a `~.` line) a few times.
   */
  async detach(): Promise<void> {
    const prompt = /bash-[\d.]+# \s*$/;
    for (let attempt = 1; ; attempt++) {
      for (const key of ['', '~', '.']) {
        await this.type(key, key === '');
        await new Promise((r) => setTimeout(r, 300));
      }
      try {
        await this.waitFor(prompt, 5_000);
        return;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  }

  async stop(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    // tmux leaves its socket file behind; a test run should not.
    const dir = path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    rmSync(path.join(dir, this.socket), { force: true });
  }
}
