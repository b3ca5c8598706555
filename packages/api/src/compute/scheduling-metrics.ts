import { Histogram, type Registry } from 'prom-client';

/**
 * Where a create's placement time goes, on the API's /metrics: `snapshot` (the hosts' state,
 * reloaded from the database at most once a second), `filter` (the filter scheduler ranking the
 * hosts, in process) and `claim` (the claim round trips to the agents until one accepts).
 */
export type SchedulingStep = 'snapshot' | 'filter' | 'claim';

export class SchedulingMetrics {
  private readonly seconds: Histogram<'step'>;

  constructor(registry: Registry) {
    this.seconds = new Histogram({
      name: 'zun_scheduling_duration_seconds',
      help: 'Time of each placement step of a create: snapshot, filter, claim.',
      labelNames: ['step'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
  }

  /** Runs `fn` and records its time under `step`, whether it succeeds or throws. */
  async time<T>(step: SchedulingStep, fn: () => Promise<T> | T): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      this.seconds.observe({ step }, Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
}
