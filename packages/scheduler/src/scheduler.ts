import {
  FILTER_CODE,
  azMatches,
  cpuFits,
  diskFits,
  hasRuntime,
  isFilterName,
  isUsable,
  labelsMatch,
  ramFits,
  type FilterName,
} from './filters';
import { labelRequirements, type LabelRequirement } from './hints';
import { EPSILON } from './tolerance';
import { cpuSetFits, dedicatedCpuCount, isDedicated } from './cpuset';
import {
  F_PINNING,
  F_USABLE,
  ROW,
  R_AZ,
  R_CPU_FREE,
  R_CPU_RATIO,
  R_DISK_FREE,
  R_FLAGS,
  R_MEM_FREE,
  R_MEM_RATIO,
  R_RUNTIMES,
  tableOf,
  type HostTable,
} from './table';
import { TopK } from './select';
import type { HostState, RequestSpec, ScheduleResult, SchedulerOptions, Weigher } from './types';

export const DEFAULT_MAX_CANDIDATES = 10;
export const DEFAULT_WEIGHER: Weigher = 'spread';
export const WEIGHERS: readonly Weigher[] = Object.freeze(['spread', 'pack'] as const);

const NO_LABELS: readonly LabelRequirement[] = Object.freeze([]);
const FILTER_COUNT = Object.keys(FILTER_CODE).length;

/**
 * One filter's verdict, by code, with the same semantics as its Filter object. Used only to find which
 * filter to blame for a rejected host when the fast path cannot tell; the switch keeps that walk
 * monomorphic where calling hostPasses() through seven different Filter objects would not be.
 */
function passes(
  code: number,
  host: HostState,
  req: RequestSpec,
  labels: readonly LabelRequirement[],
): boolean {
  switch (code) {
    case FILTER_CODE.AvailabilityZoneFilter:
      return !req.availabilityZone || azMatches(host, req.availabilityZone);
    case FILTER_CODE.ComputeFilter:
      return isUsable(host);
    case FILTER_CODE.RuntimeFilter:
      return !req.runtime || hasRuntime(host, req.runtime);
    case FILTER_CODE.CPUFilter:
      return cpuFits(host, req.cpu);
    case FILTER_CODE.RamFilter:
      return ramFits(host, req.memory);
    case FILTER_CODE.DiskFilter:
      return req.disk === 0 || diskFits(host, req.disk);
    case FILTER_CODE.LabelFilter:
      return labelsMatch(host, labels);
    case FILTER_CODE.CpuSetFilter:
      return !isDedicated(req) || cpuSetFits(host, dedicatedCpuCount(req.cpu), req.memory);
    default:
      throw new Error(`unknown filter code ${code}`);
  }
}

/** numaNodeFits() for one of a host's nodes, on a HostTable's node columns. */
function nodeFits(
  from: number,
  to: number,
  free: Int32Array,
  mem: Float64Array,
  cpus: number,
  minMem: number,
): boolean {
  for (let k = from; k < to; k++) if (free[k] >= cpus && mem[k] >= minMem) return true;
  return false;
}

/** table.ts's row layout, in the order scanTable unpacks it. */
const LAYOUT = [
  ROW,
  R_AZ,
  R_FLAGS,
  R_RUNTIMES,
  R_CPU_FREE,
  R_MEM_FREE,
  R_MEM_RATIO,
  R_CPU_RATIO,
  R_DISK_FREE,
  F_USABLE,
  F_PINNING,
] as const;

function plural(n: number): string {
  return n === 1 ? '1 host' : `${n} hosts`;
}

/**
 * Filter-then-weigh placement, as in Zun's FilterScheduler.
 *
 * Filters are applied in one pass over the hosts: each host is charged to the first filter, in the
 * configured order, that rejects it. That yields exactly the counts of running the filters one after
 * another (a host is removed by filter i iff it passed all earlier ones), including the "stop once a
 * filter leaves no host" rule, since then no host reaches a later filter.
 *
 * Only the best `maxCandidates` survivors are ranked and returned (see TopK), and nothing is allocated
 * per host. An instance reuses scratch buffers, so it serves one synchronous call at a time, which is
 * every caller in single-threaded JS.
 */
export class FilterScheduler {
  private readonly names: readonly FilterName[];
  private readonly codes: Int8Array;
  /** Bit per enabled filter code. */
  private readonly mask: number;
  /**
   * By filter code: its configured position when a rejection found by the fast path (which checks in
   * code order) can be charged to it directly, because every filter configured before it is checked
   * before it; -1 when the configured order has to be walked.
   */
  private readonly directBlame: Int8Array;
  private readonly removed: Int32Array;
  private readonly top: TopK;

  constructor(opts: SchedulerOptions) {
    const names: FilterName[] = [];
    for (const name of opts.enabledFilters) {
      if (!isFilterName(name)) throw new Error(`Unknown scheduler filter '${name}'`);
      // A repeated name would run twice and collide in removedBy: a config mistake, not a feature.
      if (names.includes(name)) throw new Error(`Scheduler filter '${name}' is listed more than once`);
      names.push(name);
    }
    const weigher: Weigher = opts.weigher ?? DEFAULT_WEIGHER;
    if (!WEIGHERS.includes(weigher)) throw new Error(`Unknown scheduler weigher '${weigher}'`);
    const maxCandidates = opts.maxCandidates ?? DEFAULT_MAX_CANDIDATES;
    if (!Number.isInteger(maxCandidates) || maxCandidates < 1) {
      throw new Error(`maxCandidates must be a positive integer, got ${maxCandidates}`);
    }
    this.names = names;
    this.codes = Int8Array.from(names, (n) => FILTER_CODE[n]);
    this.mask = names.reduce((m, n) => m | (1 << FILTER_CODE[n]), 0);
    this.directBlame = new Int8Array(FILTER_COUNT).fill(-1);
    let highest = -1;
    for (let j = 0; j < this.codes.length; j++) {
      if (this.codes[j] > highest) this.directBlame[this.codes[j]] = j;
      highest = Math.max(highest, this.codes[j]);
    }
    this.removed = new Int32Array(names.length);
    this.top = new TopK(maxCandidates, weigher);
  }

  get filterNames(): readonly string[] {
    return this.names;
  }

  schedule(hosts: readonly HostState[], req: RequestSpec): ScheduleResult {
    this.removed.fill(0);
    this.top.reset();
    const table = tableOf(hosts);
    const total = table === undefined ? this.scanObjects(hosts, req) : this.scanTable(table, req);

    if (this.top.size > 0) return { ok: true, hosts: this.top.drain() };
    const wanted = req.requestedHost || null;
    if (wanted !== null && total === 0) {
      return {
        ok: false,
        explanation: `No valid host: requested host ${wanted} not found among ${plural(hosts.length)}`,
        total: 0,
        removedBy: {},
      };
    }
    return this.failure(total, wanted);
  }

  /**
   * What the filter passes check, from the request and the enabled filters. null/false/0/empty also
   * switch a check off, either because its filter is not enabled or because it cannot reject any host
   * for this request. `|| null`: an empty string asks for nothing, as upstream's truthiness tests have it.
   */
  private hoist(req: RequestSpec) {
    const labels = this.enabled(FILTER_CODE.LabelFilter) ? labelRequirements(req.hints) : NO_LABELS;
    return {
      az: this.enabled(FILTER_CODE.AvailabilityZoneFilter) ? req.availabilityZone || null : null,
      checkUsable: this.enabled(FILTER_CODE.ComputeFilter),
      runtime: this.enabled(FILTER_CODE.RuntimeFilter) ? req.runtime || null : null,
      checkCpu: this.enabled(FILTER_CODE.CPUFilter),
      minCpu: req.cpu - EPSILON,
      checkMem: this.enabled(FILTER_CODE.RamFilter),
      minMem: req.memory - EPSILON,
      disk: this.enabled(FILTER_CODE.DiskFilter) ? req.disk : 0,
      labels,
      checkLabels: labels.length > 0,
      // 0 unless CpuSetFilter is enabled and the request is 'dedicated': 'shared' passes every host.
      pinCpus: this.enabled(FILTER_CODE.CpuSetFilter) && isDedicated(req) ? dedicatedCpuCount(req.cpu) : 0,
      wanted: req.requestedHost || null,
    };
  }

  /** The filter pass over plain host objects; returns how many hosts entered it. */
  private scanObjects(hosts: readonly HostState[], req: RequestSpec): number {
    const { removed, top, directBlame } = this;
    // The request's values hoisted out of the loop, as locals: read from a shared object instead, they
    // measured ~20% slower per host.
    const {
      az,
      checkUsable,
      runtime,
      checkCpu,
      minCpu,
      checkMem,
      minMem,
      disk,
      labels,
      checkLabels,
      pinCpus,
      wanted,
    } = this.hoist(req);
    let total = 0;
    for (let i = 0; i < hosts.length; i++) {
      const host = hosts[i];
      if (wanted !== null && host.hostname !== wanted) continue;
      total++;
      // Pass/fail does not depend on filter order (it is a conjunction), only the blame does, so this
      // checks in code order and directBlame says whether the first failure is also the one to charge.
      // The simple checks are the filters.ts predicates written out, because calling them across the
      // module boundary costs ~30% at 10k hosts; scheduler.test.ts compares both on random clusters.
      // Negated >= rather than < so that NaN usage rejects exactly as the predicates do.
      let failed: number;
      if (az !== null && host.availabilityZone !== az) failed = FILTER_CODE.AvailabilityZoneFilter;
      else if (checkUsable && !(host.serviceUp && !host.disabled)) failed = FILTER_CODE.ComputeFilter;
      else if (runtime !== null && !hasRuntime(host, runtime)) failed = FILTER_CODE.RuntimeFilter;
      else if (checkCpu && !(host.cpuLimit - host.cpuUsed >= minCpu)) failed = FILTER_CODE.CPUFilter;
      else if (checkMem && !(host.memLimit - host.memUsed >= minMem)) failed = FILTER_CODE.RamFilter;
      else if (disk !== 0 && !diskFits(host, disk)) failed = FILTER_CODE.DiskFilter;
      else if (checkLabels && !labelsMatch(host, labels)) failed = FILTER_CODE.LabelFilter;
      else if (pinCpus !== 0 && !cpuSetFits(host, pinCpus, req.memory)) failed = FILTER_CODE.CpuSetFilter;
      else {
        top.offer(host);
        continue;
      }
      const j = directBlame[failed];
      removed[j >= 0 ? j : this.blame(host, req, labels)]++;
    }
    return total;
  }

  /**
   * The same pass over a HostTable's columns: the same checks in the same order on the same numbers,
   * so the same verdicts (table.test.ts compares both on random clusters under random updates).
   * Host objects are read only for a requested host, labels, a blame walk and near-ties in the ranking.
   */
  private scanTable(table: HostTable, req: RequestSpec): number {
    const { removed, top, directBlame } = this;
    const {
      az,
      checkUsable,
      runtime,
      checkCpu,
      minCpu,
      checkMem,
      minMem,
      disk,
      labels,
      checkLabels,
      pinCpus,
      wanted,
    } = this.hoist(req);
    if (table.numaDirty) table.rebuildNodes();
    const hosts = table.list;
    const { rows, nodeStart, nodeFree, nodeMem } = table;
    const sign = top.sign;
    // The row layout read once per call into locals, not from the module object on every use.
    const [
      stride,
      oAz,
      oFlags,
      oRuntimes,
      oCpuFree,
      oMemFree,
      oMemRatio,
      oCpuRatio,
      oDiskFree,
      fUsable,
      fPinning,
    ] = LAYOUT;
    const checkAz = az !== null;
    const azId = az === null ? -1 : table.azLookup(az);
    // Past 32 runtime names the mask is incomplete and the hosts' own lists decide.
    const runtimeByMask = runtime !== null && !table.runtimeOverflow;
    const runtimeByList = runtime !== null && table.runtimeOverflow;
    const runtimeBit = runtime === null ? 0 : table.runtimeBit(runtime);
    const minDisk = disk - EPSILON;
    const minNodeMem = req.memory - EPSILON;
    let threshold = top.threshold;
    let total = 0;
    for (let i = 0, r = 0; i < hosts.length; i++, r += stride) {
      if (wanted !== null && hosts[i].hostname !== wanted) continue;
      total++;
      let failed: number;
      if (checkAz && rows[r + oAz] !== azId) failed = FILTER_CODE.AvailabilityZoneFilter;
      else if (checkUsable && (rows[r + oFlags] & fUsable) === 0) failed = FILTER_CODE.ComputeFilter;
      else if (runtimeByMask && (rows[r + oRuntimes] & runtimeBit) === 0) failed = FILTER_CODE.RuntimeFilter;
      else if (runtimeByList && !hasRuntime(hosts[i], runtime)) failed = FILTER_CODE.RuntimeFilter;
      else if (checkCpu && !(rows[r + oCpuFree] >= minCpu)) failed = FILTER_CODE.CPUFilter;
      else if (checkMem && !(rows[r + oMemFree] >= minMem)) failed = FILTER_CODE.RamFilter;
      else if (disk !== 0 && !(rows[r + oDiskFree] >= minDisk)) failed = FILTER_CODE.DiskFilter;
      else if (checkLabels && !labelsMatch(hosts[i], labels)) failed = FILTER_CODE.LabelFilter;
      else if (
        pinCpus !== 0 &&
        ((rows[r + oFlags] & fPinning) === 0 ||
          !nodeFits(nodeStart[i], nodeStart[i + 1], nodeFree, nodeMem, pinCpus, minNodeMem))
      ) {
        failed = FILTER_CODE.CpuSetFilter;
      } else {
        const memKey = sign * rows[r + oMemRatio];
        // offerKeys' own first test, on a local: most hosts end here without touching the TopK.
        if (memKey < threshold) continue;
        top.offerKeys(memKey, sign * rows[r + oCpuRatio], hosts[i]);
        threshold = top.threshold;
        continue;
      }
      const j = directBlame[failed];
      removed[j >= 0 ? j : this.blame(hosts[i], req, labels)]++;
    }
    return total;
  }

  private enabled(code: number): boolean {
    return (this.mask & (1 << code)) !== 0;
  }

  /** Configured position of the first filter rejecting a host that some enabled filter rejects. */
  private blame(host: HostState, req: RequestSpec, labels: readonly LabelRequirement[]): number {
    let j = 0;
    while (passes(this.codes[j], host, req, labels)) j++;
    return j;
  }

  private failure(total: number, wanted: string | null): ScheduleResult {
    const removedBy: Record<string, number> = {};
    let explanation = `No valid host: ${plural(total)}`;
    for (let j = 0; j < this.names.length; j++) {
      if (this.removed[j] === 0) continue;
      removedBy[this.names[j]] = this.removed[j];
      explanation += `, ${this.names[j]} removed ${this.removed[j]}`;
    }
    // Last, so the message reads like any other and a caller can still tell it was a requested host.
    if (wanted !== null) explanation += ` (requested host ${wanted})`;
    return { ok: false, explanation, total, removedBy };
  }
}
