import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A detached tmux server of its own (own socket) holding one shell in a pseudo-terminal: tests
 * type into it with send-keys and read the screen with capture-pane, like a user would.
 */
export class TmuxTerminal {
  private readonly socket = `zun-test-${randomBytes(4).toString('hex')}`;

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

  async stop(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
  }
}
