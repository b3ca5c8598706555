/**
 * The last `max` lines of a log that arrives in chunks cut anywhere (mid-line included). Older
 * lines are dropped as new ones come, so a log followed for hours costs the page a bounded amount.
 */
export class LogBuffer {
  private lines: string[] = [];
  /** The text after the last newline: a line still being written. */
  private partial = '';
  /** Lines dropped from the front since the last reset. */
  dropped = 0;

  constructor(readonly max = 5_000) {}

  reset(text = ''): void {
    this.lines = [];
    this.partial = '';
    this.dropped = 0;
    this.append(text);
  }

  append(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    // Pushed one by one: a spread of a very large chunk would overflow the call stack.
    for (const line of parts) this.lines.push(line);
    const over = this.lines.length + (this.partial ? 1 : 0) - this.max;
    if (over > 0) {
      this.lines.splice(0, Math.min(over, this.lines.length));
      this.dropped += over;
    }
  }

  get text(): string {
    return this.lines.length ? `${this.lines.join('\n')}\n${this.partial}` : this.partial;
  }

  get lineCount(): number {
    return this.lines.length + (this.partial ? 1 : 0);
  }
}
