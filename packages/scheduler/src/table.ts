import { freeRatio } from './select';
import type { HostState, NumaNode } from './types';

/**
 * A host snapshot laid out for scanning: what the filters and weighers read, in one typed-array row per
 * host.
 *
 * Why: schedule() reads every host per placement. Read from plain HostState objects, that is six or so
 * cache lines per host (the object, its boxed double usage, its runtimes array and that array's
 * elements), ~40 MB per scan at 100,000 hosts: more than the L3 cache, so each scan streams from DRAM
 * and the cost per host doubled between 20,000 and 50,000 hosts. A row is 64 bytes (6.4 MB at 100,000
 * hosts), which stays in cache, and holds the filters' differences and the weighers' ratios already
 * computed, so the cost per host stays flat.
 *
 * The hosts are still HostState objects (`table.hosts`), and the rows can never go stale: every
 * field a filter or weigher reads is an accessor that writes through to the row, arrays are frozen
 * copies (an in-place push throws instead of going unseen: assign a new array), and NUMA nodes are
 * accessor objects as well. So consume(), release() and direct assignments work as on plain objects.
 * Differences from plain objects: arrays are frozen copies of the ones given, NUMA nodes are copies, and
 * own enumerable properties are only the plain fields (`{ ...host }` misses the accessors;
 * JSON.stringify goes through toJSON() and gives every field).
 */
export class HostTable {
  /** The hosts, in input order; frozen, since the rows are indexed by position. */
  readonly hosts: readonly HostState[];
  /**
   * The same hosts in an array that is not frozen, for the scan: V8 (Node 20) reads the elements of a
   * frozen array through a generic path, which cost ~5 ns per host.
   */
  readonly list: readonly HostState[];
  /**
   * ROW doubles per host, at i * ROW: the values the filter pass reads, computed by the very expressions
   * the filters and weighers apply to the host's fields, so a comparison on them gives the same verdict.
   * One array with a row per host: one cache line per host, read front to back.
   */
  readonly rows: Float64Array;
  /** More than 32 distinct runtime names: RuntimeFilter reads the host objects instead of the mask. */
  runtimeOverflow = false;
  /** NUMA nodes of host i are nodeFree/nodeMem[nodeStart[i] .. nodeStart[i + 1]). */
  nodeStart: Int32Array;
  /** cpus.length - pinned.length of each node, as numaNodeFits computes it. */
  nodeFree: Int32Array;
  nodeMem: Float64Array;
  /** A host's numaNodes was replaced: the node columns are rebuilt before the next scan. */
  numaDirty = false;
  private readonly azIds = new Map<string, number>();
  private readonly runtimeBits = new Map<string, number>();

  constructor(states: readonly HostState[]) {
    const n = states.length;
    this.rows = new Float64Array(n * ROW);
    this.nodeStart = new Int32Array(n + 1);
    this.nodeFree = new Int32Array(0);
    this.nodeMem = new Float64Array(0);
    const hosts: HostState[] = new Array<HostState>(n);
    for (let i = 0; i < n; i++) hosts[i] = new TableHost(this, i, states[i]);
    this.list = hosts;
    this.hosts = Object.freeze([...hosts]);
    this.rebuildNodes();
    TABLES.set(this.hosts, this);
  }

  /** Per-table id of a zone name; -1 for a zone no host of this table is in. */
  azLookup(az: string): number {
    return this.azIds.get(az) ?? -1;
  }

  /** The mask bit of a runtime name; 0 for one no host of this table offers (or past the 32nd). */
  runtimeBit(runtime: string): number {
    return this.runtimeBits.get(runtime) ?? 0;
  }

  /** @internal */
  internAz(az: string): number {
    let id = this.azIds.get(az);
    if (id === undefined) {
      id = this.azIds.size;
      this.azIds.set(az, id);
    }
    return id;
  }

  /** @internal */
  maskOf(runtimes: readonly string[]): number {
    let mask = 0;
    for (const r of runtimes) {
      let bit = this.runtimeBits.get(r);
      if (bit === undefined) {
        if (this.runtimeBits.size === 32) {
          this.runtimeOverflow = true;
          continue;
        }
        bit = 1 << this.runtimeBits.size;
        this.runtimeBits.set(r, bit);
      }
      mask |= bit;
    }
    return mask;
  }

  /** Re-lays out the node columns after a numaNodes assignment (rare: the API never does it). */
  rebuildNodes(): void {
    let total = 0;
    for (let i = 0; i < this.list.length; i++) {
      this.nodeStart[i] = total;
      total += (this.list[i] as TableHost).nodeCount();
    }
    this.nodeStart[this.list.length] = total;
    this.nodeFree = new Int32Array(total);
    this.nodeMem = new Float64Array(total);
    this.numaDirty = false;
    for (let i = 0; i < this.list.length; i++) (this.list[i] as TableHost).placeNodes(this.nodeStart[i]);
  }
}

/** Row layout (see HostTable.rows). */
export const ROW = 8;
/** Per-table zone id (azLookup). */
export const R_AZ = 0;
/** F_USABLE | F_PINNING. */
export const R_FLAGS = 1;
/** Runtime bits (runtimeBit). */
export const R_RUNTIMES = 2;
/** cpuLimit - cpuUsed. */
export const R_CPU_FREE = 3;
/** memLimit - memUsed. */
export const R_MEM_FREE = 4;
/** freeRatio(memLimit, memUsed): the weighers' first key. */
export const R_MEM_RATIO = 5;
/** freeRatio(cpuLimit, cpuUsed): the second key. */
export const R_CPU_RATIO = 6;
/** diskLimit - diskUsed with quota support, NaN without (which no `>=` passes). */
export const R_DISK_FREE = 7;
/** serviceUp && !disabled (ComputeFilter). */
export const F_USABLE = 1;
/** enableCpuPinning. */
export const F_PINNING = 2;

const TABLES = new WeakMap<readonly HostState[], HostTable>();

/** The table whose `hosts` this array is, if any. */
export function tableOf(hosts: readonly HostState[]): HostTable | undefined {
  return TABLES.get(hosts);
}

function frozenCopy<T>(items: readonly T[]): T[] {
  return Object.freeze([...items]) as T[];
}

/** A HostState whose filter-relevant fields write through to its row of the table. */
class TableHost implements HostState {
  uuid: string;
  hostname: string;
  cpus: number;
  memTotal: number;
  diskTotal: number;
  labels: Record<string, string>;
  readonly #t: HostTable;
  /** Start of this host's row in table.rows. */
  readonly #r: number;
  #az = '';
  #up = false;
  #disabled = false;
  #runtimes: string[] = [];
  #cpuLimit = 0;
  #cpuUsed = 0;
  #memLimit = 0;
  #memUsed = 0;
  #diskLimit = 0;
  #diskUsed = 0;
  #diskQuota = false;
  #pinning = false;
  #numa: TableNumaNode[] | undefined = undefined;

  constructor(table: HostTable, i: number, s: HostState) {
    this.#t = table;
    this.#r = i * ROW;
    this.uuid = s.uuid;
    this.hostname = s.hostname;
    this.cpus = s.cpus;
    this.memTotal = s.memTotal;
    this.diskTotal = s.diskTotal;
    this.labels = s.labels;
    this.availabilityZone = s.availabilityZone;
    this.#up = s.serviceUp;
    this.#disabled = s.disabled;
    this.enableCpuPinning = s.enableCpuPinning; // also writes the flags
    this.runtimes = s.runtimes;
    this.#cpuLimit = s.cpuLimit;
    this.cpuUsed = s.cpuUsed;
    this.#memLimit = s.memLimit;
    this.memUsed = s.memUsed;
    this.#diskLimit = s.diskLimit;
    this.#diskUsed = s.diskUsed;
    this.diskQuotaSupported = s.diskQuotaSupported;
    const nodes = s.numaNodes;
    this.#numa =
      nodes === undefined ? undefined : frozenCopy(nodes.map((node) => new TableNumaNode(table, node)));
  }

  // Each derived value is the expression the scheduler applies to plain objects (scanObjects, TopK).
  #syncFlags(): void {
    this.#t.rows[this.#r + R_FLAGS] =
      (this.#up && !this.#disabled ? F_USABLE : 0) | (this.#pinning ? F_PINNING : 0);
  }
  #syncCpu(): void {
    this.#t.rows[this.#r + R_CPU_FREE] = this.#cpuLimit - this.#cpuUsed;
    this.#t.rows[this.#r + R_CPU_RATIO] = freeRatio(this.#cpuLimit, this.#cpuUsed);
  }
  #syncMem(): void {
    this.#t.rows[this.#r + R_MEM_FREE] = this.#memLimit - this.#memUsed;
    this.#t.rows[this.#r + R_MEM_RATIO] = freeRatio(this.#memLimit, this.#memUsed);
  }
  #syncDisk(): void {
    this.#t.rows[this.#r + R_DISK_FREE] = this.#diskQuota ? this.#diskLimit - this.#diskUsed : NaN;
  }

  get availabilityZone(): string {
    return this.#az;
  }
  set availabilityZone(v: string) {
    this.#az = v;
    this.#t.rows[this.#r + R_AZ] = this.#t.internAz(v);
  }
  get serviceUp(): boolean {
    return this.#up;
  }
  set serviceUp(v: boolean) {
    this.#up = v;
    this.#syncFlags();
  }
  get disabled(): boolean {
    return this.#disabled;
  }
  set disabled(v: boolean) {
    this.#disabled = v;
    this.#syncFlags();
  }
  get enableCpuPinning(): boolean {
    return this.#pinning;
  }
  set enableCpuPinning(v: boolean) {
    this.#pinning = v;
    this.#syncFlags();
  }
  get runtimes(): string[] {
    return this.#runtimes;
  }
  set runtimes(v: string[]) {
    this.#runtimes = frozenCopy(v);
    this.#t.rows[this.#r + R_RUNTIMES] = this.#t.maskOf(this.#runtimes);
  }
  get cpuLimit(): number {
    return this.#cpuLimit;
  }
  set cpuLimit(v: number) {
    this.#cpuLimit = v;
    this.#syncCpu();
  }
  get cpuUsed(): number {
    return this.#cpuUsed;
  }
  set cpuUsed(v: number) {
    this.#cpuUsed = v;
    this.#syncCpu();
  }
  get memLimit(): number {
    return this.#memLimit;
  }
  set memLimit(v: number) {
    this.#memLimit = v;
    this.#syncMem();
  }
  get memUsed(): number {
    return this.#memUsed;
  }
  set memUsed(v: number) {
    this.#memUsed = v;
    this.#syncMem();
  }
  get diskLimit(): number {
    return this.#diskLimit;
  }
  set diskLimit(v: number) {
    this.#diskLimit = v;
    this.#syncDisk();
  }
  get diskUsed(): number {
    return this.#diskUsed;
  }
  set diskUsed(v: number) {
    this.#diskUsed = v;
    this.#syncDisk();
  }
  get diskQuotaSupported(): boolean {
    return this.#diskQuota;
  }
  set diskQuotaSupported(v: boolean) {
    this.#diskQuota = v;
    this.#syncDisk();
  }
  get numaNodes(): NumaNode[] | undefined {
    return this.#numa;
  }
  set numaNodes(v: NumaNode[] | undefined) {
    const table = this.#t;
    this.#numa = v === undefined ? undefined : frozenCopy(v.map((node) => new TableNumaNode(table, node)));
    table.numaDirty = true;
  }

  /** @internal */
  nodeCount(): number {
    return this.#numa === undefined ? 0 : this.#numa.length;
  }

  /** @internal Gives this host's nodes their column slots from `start` on. */
  placeNodes(start: number): void {
    if (this.#numa === undefined) return;
    for (let j = 0; j < this.#numa.length; j++) this.#numa[j].place(start + j);
  }

  toJSON(): HostState {
    const plain: HostState = {
      uuid: this.uuid,
      hostname: this.hostname,
      availabilityZone: this.availabilityZone,
      serviceUp: this.serviceUp,
      disabled: this.disabled,
      cpus: this.cpus,
      cpuUsed: this.cpuUsed,
      cpuLimit: this.cpuLimit,
      memTotal: this.memTotal,
      memUsed: this.memUsed,
      memLimit: this.memLimit,
      diskTotal: this.diskTotal,
      diskUsed: this.diskUsed,
      diskLimit: this.diskLimit,
      diskQuotaSupported: this.diskQuotaSupported,
      runtimes: this.runtimes,
      labels: this.labels,
      enableCpuPinning: this.enableCpuPinning,
    };
    if (this.#numa !== undefined) plain.numaNodes = this.#numa.map((node) => node.toJSON());
    return plain;
  }
}

/** A NumaNode whose free CPU count and memory write through to its table's node columns. */
class TableNumaNode implements NumaNode {
  id: number;
  readonly #t: HostTable;
  /** Column slot; -1 until the table lays the nodes out. */
  #k = -1;
  #cpus: number[];
  #pinned: number[];
  #mem: number;

  constructor(table: HostTable, node: NumaNode) {
    this.#t = table;
    this.id = node.id;
    this.#cpus = frozenCopy(node.cpus);
    this.#pinned = frozenCopy(node.pinned);
    this.#mem = node.memAvailable;
  }

  get cpus(): number[] {
    return this.#cpus;
  }
  set cpus(v: number[]) {
    this.#cpus = frozenCopy(v);
    this.sync();
  }
  get pinned(): number[] {
    return this.#pinned;
  }
  set pinned(v: number[]) {
    this.#pinned = frozenCopy(v);
    this.sync();
  }
  get memAvailable(): number {
    return this.#mem;
  }
  set memAvailable(v: number) {
    this.#mem = v;
    this.sync();
  }

  /** @internal */
  place(k: number): void {
    this.#k = k;
    this.sync();
  }

  private sync(): void {
    // Not yet placed (a fresh numaNodes assignment): the pending rebuild writes the columns.
    if (this.#k < 0 || this.#t.numaDirty) return;
    this.#t.nodeFree[this.#k] = this.#cpus.length - this.#pinned.length;
    this.#t.nodeMem[this.#k] = this.#mem;
  }

  toJSON(): NumaNode {
    return { id: this.id, cpus: this.#cpus, pinned: this.#pinned, memAvailable: this.#mem };
  }
}
