import { Counter, Gauge, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@zun/common';

/** zun-wsproxy's metrics: its interactive sessions, besides the process metrics. */
export class WsProxyMetrics {
  readonly registry: Registry = createMetricsRegistry('zun-wsproxy');
  private readonly open = new Gauge({
    name: 'zun_wsproxy_sessions_open',
    help: 'Sessions relaying between a client and an agent now.',
    registers: [this.registry],
  });
  private readonly started = new Counter({
    name: 'zun_wsproxy_sessions_started_total',
    help: 'Sessions that got through the token and container checks and started relaying.',
    registers: [this.registry],
  });
  private readonly ended = new Counter({
    name: 'zun_wsproxy_sessions_ended_total',
    help: 'Sessions that stopped relaying.',
    registers: [this.registry],
  });
  private readonly refused = new Counter({
    name: 'zun_wsproxy_sessions_refused_total',
    help: 'Sessions refused before relaying, by WebSocket close code (e.g. 4401 bad token, 4502 agent unreachable).',
    labelNames: ['code'],
    registers: [this.registry],
  });

  /** Call when a session starts relaying; call the result when it ends (once counts). */
  sessionStarted(): () => void {
    this.started.inc();
    this.open.inc();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.open.dec();
      this.ended.inc();
    };
  }

  sessionRefused(code: number): void {
    this.refused.inc({ code: String(code) });
  }
}
