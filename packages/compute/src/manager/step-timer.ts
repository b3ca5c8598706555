/**
 * Milliseconds spent in each step of one task (queue wait, row load, claim, engine calls, row
 * writes), carried on the task's context and logged with its end, so where a start's time goes
 * can be read from the agent log of any run without a profiler.
 */
export class StepTimer {
  readonly steps: Record<string, number> = {};
  private last = performance.now();

  /** Ends the step `name` now (a step met twice adds up). */
  mark(name: string): void {
    const now = performance.now();
    this.steps[name] = Math.round(((this.steps[name] ?? 0) + now - this.last) * 10) / 10;
    this.last = now;
  }

  /** Records a step that happened before the timer existed (e.g. the wait in the queue). */
  record(name: string, ms: number): void {
    this.steps[name] = Math.round(ms * 10) / 10;
  }
}
