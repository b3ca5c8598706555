type View = Record<string, unknown>;
export interface StreamEvent {
  event: string;
  data: View;
  at: number;
}

/** An open server-sent-events stream of the API (/v1/containers/events, /v1/capsules/events), its events parsed as they arrive. */
export class EventStreamClient {
  readonly events: StreamEvent[] = [];
  private readonly abort = new AbortController();
  status = 0;

  static async open(url: string, token: string): Promise<EventStreamClient> {
    const s = new EventStreamClient();
    // The newest microversion, as the web console asks: views follow it (a capsule's `name`
    // is `meta_name` up to 1.31).
    const headers = { 'X-Auth-Token': token, 'OpenStack-API-Version': 'container 1.40' };
    const res = await fetch(url, { headers, signal: s.abort.signal });
    s.status = res.status;
    if (res.ok && res.body) void s.read(res.body);
    return s;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) this.events.push({ event, data: JSON.parse(data) as View, at: Date.now() });
        }
      }
    } catch {
      // aborted by close()
    }
  }

  async waitFor(pred: (e: StreamEvent) => boolean, timeoutMs = 30_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `no such event in ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.event))}`,
    );
  }

  close(): void {
    this.abort.abort();
  }
}
