import { Router } from 'express';
import { Counter, Gauge, type Registry } from 'prom-client';
import {
  createMetricsRegistry,
  healthcheckHandler,
  httpObservability,
  metricsHandler,
  type HealthCheck,
  type Logger,
} from '@zun/common';
import type { Usage } from './manager/claims';

/**
 * How a task ended: `done` (including "container gone"), `failed` (its row says why), or
 * `interrupted` by a database outage (handed back, it runs again).
 */
export type TaskOutcome = 'done' | 'failed' | 'interrupted';

/**
 * zun-compute's metrics: its tasks, its claims and what the reconcile had to correct, besides
 * the process and HTTP metrics every daemon has. One instance per agent; the task runner,
 * tracker and state sync report to it through one-line calls.
 */
export class ComputeMetrics {
  readonly registry: Registry;
  private readonly queued: Counter<'action'>;
  private readonly finished: Counter<'action' | 'outcome'>;
  private readonly waiting: Gauge<'action'>;
  private readonly running: Gauge<'action'>;
  private readonly claims: Counter<'outcome'>;
  private readonly drift: Counter<'kind'>;
  private readonly glance: Counter<'outcome'>;
  private readonly follows: Gauge;

  /** `usage` gives the host's claimed resources at scrape time (the tracker's tally). */
  constructor(usage: () => Usage) {
    const registers = [(this.registry = createMetricsRegistry('zun-compute'))];
    this.queued = new Counter({
      name: 'zun_compute_tasks_queued_total',
      help: 'Tasks this agent took from the queue, by action.',
      labelNames: ['action'],
      registers,
    });
    this.finished = new Counter({
      name: 'zun_compute_tasks_finished_total',
      help: 'Tasks this agent finished, by action and outcome (done, failed, or interrupted by a database outage).',
      labelNames: ['action', 'outcome'],
      registers,
    });
    this.waiting = new Gauge({
      name: 'zun_compute_tasks_waiting',
      help: 'Tasks taken but waiting for earlier tasks of their container, by action.',
      labelNames: ['action'],
      registers,
    });
    this.running = new Gauge({
      name: 'zun_compute_tasks_running',
      help: 'Tasks executing now, by action.',
      labelNames: ['action'],
      registers,
    });
    this.claims = new Counter({
      name: 'zun_compute_claims_total',
      help: 'Resource claims checked on this host, by outcome (granted or refused for lack of room).',
      labelNames: ['outcome'],
      registers,
    });
    for (const [resource, unit] of [
      ['cpu', 'vCPUs'],
      ['memory', 'MiB'],
      ['disk', 'GiB'],
    ] as const) {
      new Gauge({
        name: `zun_compute_claimed_${resource}`,
        help: `${unit} claimed by containers on this host.`,
        registers,
        collect() {
          this.set(usage()[resource]);
        },
      });
    }
    this.drift = new Counter({
      name: 'zun_compute_reconcile_drift_total',
      help: 'Rows the state sync found out of step with the engine and corrected, by kind (status, vanished, purged).',
      labelNames: ['kind'],
      registers,
    });
    this.glance = new Counter({
      name: 'zun_compute_glance_images_total',
      help: 'Images of the glance driver made available on this host, by outcome: cache_hit (no download) or downloaded.',
      labelNames: ['outcome'],
      registers,
    });
    this.follows = new Gauge({
      name: 'zun_compute_followed_logs',
      help: "Followed log streams open on this host's engine (GET …/logs?follow=true).",
      registers,
    });
  }

  /** A followed log's engine stream opened (+1) or closed (-1). */
  followedLogs(delta: 1 | -1): void {
    this.follows.inc(delta);
  }

  /** An image of the glance driver made available: from this host's cache, or downloaded. */
  glanceImage(outcome: 'cache_hit' | 'downloaded'): void {
    this.glance.inc({ outcome });
  }

  taskQueued(action: string): void {
    this.queued.inc({ action });
    this.waiting.inc({ action });
  }

  /** Call when the task starts executing; call the result once with its outcome. */
  taskStarted(action: string): (outcome: TaskOutcome) => void {
    this.waiting.dec({ action });
    this.running.inc({ action });
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      this.running.dec({ action });
      this.finished.inc({ action, outcome });
    };
  }

  claimChecked(granted: boolean): void {
    this.claims.inc({ outcome: granted ? 'granted' : 'refused' });
  }

  driftCorrected(kind: string): void {
    this.drift.inc({ kind });
  }

  /**
   * Served before the credential check: the access log and request metrics of every request,
   * GET /metrics, and GET /healthcheck (200 only when every check answers).
   */
  publicRoutes(checks: Record<string, HealthCheck>, logger: Logger): Router {
    const r = Router();
    r.use(httpObservability(this.registry, logger));
    r.get('/metrics', metricsHandler(this.registry));
    r.get('/healthcheck', healthcheckHandler(checks, logger));
    return r;
  }
}
