/**
 * The `~.` escape that python-zunclient announces ("type ~. to disconnect") but cannot act on
 * under Python 3: it compares the bytes it reads from the terminal with the str '~', which never
 * matches, so both keys travel to us. The proxy applies the client's own rule instead: a read of
 * exactly '~' right after a read of exactly '\r' is held back; if the next read is exactly '.',
 * the session ends (the container keeps running); otherwise the held '~' is sent before it.
 * Matching whole reads, as the client does, keeps pasted text from ever detaching.
 *
 * Unlike the client's rule, a terminal's own answers (a cursor position or device attributes
 * report) leave the line state alone: busybox sh asks for the cursor position after every Enter,
 * and the terminal's reply would otherwise end the start of the line before the user types `~`.
 */
// eslint-disable-next-line no-control-regex -- ESC is exactly what a terminal report starts with
const TERMINAL_REPORT = /^\x1b\[[?>]?[\d;]*[Rc]$/;

export class EscapeDetector {
  private startOfLine = false;
  private held = false;

  constructor(private readonly escape = '~') {}

  /** Returns the bytes to pass on to the container, or 'detach'. */
  feed(data: Buffer): Buffer | 'detach' {
    if (TERMINAL_REPORT.test(data.toString('latin1'))) {
      // Held across the report: the ~ is still pending, the report goes through now.
      return data;
    }
    if (this.startOfLine && !this.held && this.is(data, this.escape)) {
      this.held = true;
      return Buffer.alloc(0);
    }
    let out = data;
    if (this.held) {
      this.held = false;
      if (this.is(data, '.')) return 'detach';
      out = Buffer.concat([Buffer.from(this.escape), data]);
    }
    this.startOfLine = this.is(data, '\r');
    return out;
  }

  private is(data: Buffer, s: string): boolean {
    return data.length === s.length && data.toString('latin1') === s;
  }
}
