/**
 * Answers that never end by themselves (followed logs). A server that drains for shutdown ends
 * them first, cleanly, instead of waiting its whole grace period for them and then cutting them.
 */
export class OpenStreams {
  private readonly ends = new Set<() => void>();

  /** Registers how to end one stream; the returned function forgets it (call it when it closes). */
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => this.ends.delete(end);
  }

  get size(): number {
    return this.ends.size;
  }

  endAll(): void {
    const ends = [...this.ends];
    this.ends.clear();
    for (const end of ends) end();
  }
}
