import {
  FILTER_CODE,
  azPasses,
  computePasses,
  cpuPasses,
  diskPasses,
  isFilterName,
  labelRequirements,
  labelsPass,
  ramPasses,
  runtimePasses,
  type FilterName,
  type LabelRequirement,
} from './filters';
import { TopK, freeRatio } from './select';
import type { HostState, RequestSpec, ScheduleResult, SchedulerOptions, Weigher } from './types';

export const DEFAULT_MAX_CANDIDATES = 10;

const NO_LABELS: readonly LabelRequirement[] = Object.freeze([]);

// A switch over small integer codes keeps the hot loop monomorphic; calling hostPasses() through an
// array of five different Filter objects makes V8 fall back to slow megamorphic dispatch per host.
function passes(code: number, host: HostState, req: RequestSpec, labels: readonly LabelRequirement[]): boolean {
  switch (code) {
    case FILTER_CODE.AvailabilityZoneFilter:
      return azPasses(host, req);
    case FILTER_CODE.ComputeFilter:
      return computePasses(host);
    case FILTER_CODE.RuntimeFilter:
      return runtimePasses(host, req);
    case FILTER_CODE.CPUFilter:
      return cpuPasses(host, req);
    case FILTER_CODE.RamFilter:
      return ramPasses(host, req);
    case FILTER_CODE.DiskFilter:
      return diskPasses(host, req);
    case FILTER_CODE.LabelFilter:
      return labelsPass(host, labels);
    default:
      throw new Error(`unknown filter code ${code}`);
  }
}

/**
 * True when a filter cannot reject any host for this request, so the loop can skip it. Its removed
 * count is 0 either way, so the result is the same as running it.
 */
function triviallyPasses(code: number, req: RequestSpec, labels: readonly LabelRequirement[]): boolean {
  switch (code) {
    case FILTER_CODE.AvailabilityZoneFilter:
      return req.availabilityZone === null;
    case FILTER_CODE.RuntimeFilter:
      return req.runtime === null;
    case FILTER_CODE.DiskFilter:
      return req.disk === 0;
    case FILTER_CODE.LabelFilter:
      return labels.length === 0;
    default:
      return false;
  }
}

function plural(n: number): string {
  return n === 1 ? '1 host' : `${n} hosts`;
}

/**
 * Filter-then-weigh placement, as in Zun's FilterScheduler.
 *
 * Filters are applied in one pass over the hosts: each host is checked against the filters in the
 * configured order and charged to the first one that rejects it. That yields exactly the counts of
 * running the filters one after another (a host is removed by filter i iff it passed all earlier ones),
 * including the "stop once a filter leaves no host" rule, since then no host reaches later filters.
 *
 * Only the best `maxCandidates` survivors are ranked and returned (see TopK); nothing else is allocated
 * per host. An instance reuses scratch buffers, so it is meant for one synchronous caller at a time,
 * which is every caller in single-threaded JS.
 */
export class FilterScheduler {
  private readonly names: readonly FilterName[];
  private readonly codes: Int8Array;
  private readonly activeCodes: Int8Array;
  private readonly activeIndex: Int32Array;
  private readonly removed: Int32Array;
  /** +1 ranks emptier hosts first (spread), -1 fuller hosts first (pack). */
  private readonly sign: number;
  private readonly top: TopK;

  constructor(opts: SchedulerOptions) {
    const seen = new Set<string>();
    const names: FilterName[] = [];
    for (const name of opts.enabledFilters) {
      if (!isFilterName(name)) throw new Error(`Unknown scheduler filter '${name}'`);
      // A repeated name would run twice and collide in removedBy; it is a config mistake, not a feature.
      if (seen.has(name)) throw new Error(`Scheduler filter '${name}' is listed more than once`);
      seen.add(name);
      names.push(name);
    }
    const weigher: Weigher = opts.weigher ?? 'spread';
    if (weigher !== 'spread' && weigher !== 'pack') throw new Error(`Unknown scheduler weigher '${weigher}'`);
    const maxCandidates = opts.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
    if (!Number.isInteger(maxCandidates) || maxCandidates < 1) {
      throw new Error(`maxCandidates must be a positive integer, got ${maxCandidates}`);
    }
    this.names = names;
    this.codes = Int8Array.from(names, (n) => FILTER_CODE[n]);
    this.activeCodes = new Int8Array(names.length);
    this.activeIndex = new Int32Array(names.length);
    this.removed = new Int32Array(names.length);
    this.sign = weigher === 'spread' ? 1 : -1;
    this.top = new TopK(maxCandidates);
  }

  get filterNames(): readonly string[] {
    return this.names;
  }

  schedule(hosts: readonly HostState[], req: RequestSpec): ScheduleResult {
    const labels = this.codes.includes(FILTER_CODE.LabelFilter) ? labelRequirements(req.hints) : NO_LABELS;
    const { activeCodes, activeIndex, removed, top, sign } = this;
    let activeLen = 0;
    for (let j = 0; j < this.codes.length; j++) {
      if (triviallyPasses(this.codes[j], req, labels)) continue;
      activeCodes[activeLen] = this.codes[j];
      activeIndex[activeLen] = j;
      activeLen++;
    }
    removed.fill(0);
    top.reset();

    // Loop-invariant switches for the inlined conjunction below; the branch predictor makes the
    // disabled ones free, and each predicate call site stays monomorphic so V8 inlines it.
    let azOn = false;
    let computeOn = false;
    let runtimeOn = false;
    let cpuOn = false;
    let ramOn = false;
    let diskOn = false;
    let labelOn = false;
    for (let k = 0; k < activeLen; k++) {
      const code = activeCodes[k];
      azOn ||= code === FILTER_CODE.AvailabilityZoneFilter;
      computeOn ||= code === FILTER_CODE.ComputeFilter;
      runtimeOn ||= code === FILTER_CODE.RuntimeFilter;
      cpuOn ||= code === FILTER_CODE.CPUFilter;
      ramOn ||= code === FILTER_CODE.RamFilter;
      diskOn ||= code === FILTER_CODE.DiskFilter;
      labelOn ||= code === FILTER_CODE.LabelFilter;
    }

    const wanted = req.requestedHost;
    let total = 0;
    for (let i = 0; i < hosts.length; i++) {
      const host = hosts[i];
      if (wanted !== null && host.hostname !== wanted) continue;
      total++;
      // Pass/fail does not depend on filter order (it is a conjunction), only the blame does, so the
      // fixed-order check decides and the configured-order walk runs only for rejected hosts. The order
      // puts checks on the host object's own fields before those that chase pointers (runtimes, labels).
      if (
        (azOn && !azPasses(host, req)) ||
        (computeOn && !computePasses(host)) ||
        (cpuOn && !cpuPasses(host, req)) ||
        (ramOn && !ramPasses(host, req)) ||
        (runtimeOn && !runtimePasses(host, req)) ||
        (diskOn && !diskPasses(host, req)) ||
        (labelOn && !labelsPass(host, labels))
      ) {
        let k = 0;
        while (passes(activeCodes[k], host, req, labels)) k++;
        removed[activeIndex[k]]++;
        continue;
      }
      top.offer(
        host,
        sign * freeRatio(host.memLimit, host.memUsed),
        sign * freeRatio(host.cpuLimit, host.cpuUsed),
      );
    }

    if (top.size > 0) return { ok: true, hosts: top.drain() };
    if (wanted !== null && total === 0) {
      return {
        ok: false,
        explanation: `No valid host: requested host '${wanted}' was not found among ${plural(hosts.length)}`,
        total: 0,
        removedBy: {},
      };
    }
    return this.failure(total, wanted);
  }

  private failure(total: number, wanted: string | null): ScheduleResult {
    const removedBy: Record<string, number> = {};
    let explanation = `No valid host: ${plural(total)}`;
    if (wanted !== null) explanation += ` (requested host '${wanted}')`;
    for (let j = 0; j < this.names.length; j++) {
      if (this.removed[j] === 0) continue;
      removedBy[this.names[j]] = this.removed[j];
      explanation += `, ${this.names[j]} removed ${this.removed[j]}`;
    }
    return { ok: false, explanation, total, removedBy };
  }
}

/**
 * Charges a placement to a host snapshot so that the next schedule() against the same cached hosts
 * sees the capacity as taken, before the compute agent reports the real usage.
 */
export function consume(host: HostState, req: RequestSpec): void {
  host.cpuUsed += req.cpu;
  host.memUsed += req.memory;
  host.diskUsed += req.disk;
}
