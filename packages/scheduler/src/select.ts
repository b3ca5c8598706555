import type { HostState, Weigher } from './types';

/**
 * Ordering used by every weigher: a larger memory key wins, then a larger cpu key, then the smaller
 * hostname, then the smaller node uuid (plain code-unit comparisons, so the tie-break is
 * locale-independent; with the uuid it is total, so the result never depends on the input order).
 * Weighers express "least free first" by negating the keys rather than by a second comparator.
 */
export function ranksBefore(
  aMem: number,
  aCpu: number,
  aName: string,
  aUuid: string,
  bMem: number,
  bCpu: number,
  bName: string,
  bUuid: string,
): boolean {
  if (aMem !== bMem) return aMem > bMem;
  if (aCpu !== bCpu) return aCpu > bCpu;
  if (aName !== bName) return aName < bName;
  return aUuid < bUuid;
}

/** Free fraction of a limit; a host with no capacity counts as full instead of producing NaN. */
export function freeRatio(limit: number, used: number): number {
  return limit > 0 ? (limit - used) / limit : 0;
}

/**
 * Keeps the best `capacity` hosts seen so far under a weigher, best first, in preallocated storage.
 *
 * Keys are free memory then free cpu as a fraction of the limit; 'pack' negates them so that one
 * comparison (ranksBefore) serves both weighers and the hostname/uuid tie-break stays ascending for both.
 *
 * A full sort of every surviving host costs O(n log n) comparisons plus an allocation per placement,
 * which at 10k hosts alone exceeds the per-placement budget. Callers only ever use the first few
 * candidates (the winner plus alternates for retries), so this does one comparison against the current
 * worst for almost every host and an insertion shift of at most `capacity` for the rare better one:
 * O(n * capacity) worst case, ~O(n) in practice.
 */
export class TopK {
  private readonly hosts: (HostState | undefined)[];
  private readonly mem: Float64Array;
  private readonly cpu: Float64Array;
  private count = 0;
  // The last kept entry, copied out of the arrays so the common reject test reads plain fields.
  private worstMem = 0;
  private worstCpu = 0;
  private worstName = '';
  private worstUuid = '';
  /** +1 ranks emptier hosts first (spread), -1 fuller hosts first (pack). */
  readonly sign: number;

  constructor(
    readonly capacity: number,
    weigher: Weigher,
  ) {
    this.sign = weigher === 'pack' ? -1 : 1;
    this.hosts = new Array<HostState | undefined>(capacity).fill(undefined);
    this.mem = new Float64Array(capacity);
    this.cpu = new Float64Array(capacity);
  }

  /**
   * A memory key below this is rejected by offerKeys() without looking further (-Infinity while not
   * full), so a caller may skip the call for such keys; it changes only when offerKeys() inserts.
   */
  get threshold(): number {
    return this.count === this.capacity ? this.worstMem : -Infinity;
  }

  get size(): number {
    return this.count;
  }

  reset(): void {
    for (let i = 0; i < this.count; i++) this.hosts[i] = undefined;
    this.count = 0;
  }

  /**
   * Kept small so V8 inlines it into the scheduler loop: once full, nearly every host is rejected on
   * its memory key alone, so the cpu key (a second division) is only computed for near-ties and keepers.
   */
  offer(host: HostState): void {
    const memKey = this.sign * freeRatio(host.memLimit, host.memUsed);
    if (this.count === this.capacity && memKey < this.worstMem) return;
    this.offerKeys(memKey, this.sign * freeRatio(host.cpuLimit, host.cpuUsed), host);
  }

  /**
   * offer() with the keys already computed (a HostTable keeps the free ratios; the caller applies
   * `sign`). `host` is read only for a near-tie or an insertion.
   */
  offerKeys(memKey: number, cpuKey: number, host: HostState): void {
    // ranksBefore against the current worst, written out so that the host's strings are read only on
    // an exact tie of both keys: at 100,000 hosts each read of a host object is a cache miss.
    if (this.count === this.capacity) {
      const worstMem = this.worstMem;
      // The common case first: most hosts rank below the current worst on the memory key alone.
      if (memKey < worstMem) return;
      // Negated > so that a NaN key loses, as in ranksBefore.
      if (memKey !== worstMem) {
        if (!(memKey > worstMem)) return;
      } else if (cpuKey !== this.worstCpu) {
        if (!(cpuKey > this.worstCpu)) return;
      } else if (
        !ranksBefore(memKey, cpuKey, host.hostname, host.uuid, memKey, cpuKey, this.worstName, this.worstUuid)
      ) {
        return;
      }
    }
    this.insert(host, memKey, cpuKey);
  }

  private insert(host: HostState, memKey: number, cpuKey: number): void {
    const name = host.hostname;
    // When full, the current worst falls off the end.
    const n = this.count === this.capacity ? this.count - 1 : this.count;
    let i = n;
    while (i > 0) {
      const prev = this.hosts[i - 1] as HostState;
      const prevMem = this.mem[i - 1];
      if (!ranksBefore(memKey, cpuKey, name, host.uuid, prevMem, this.cpu[i - 1], prev.hostname, prev.uuid)) {
        break;
      }
      this.hosts[i] = prev;
      this.mem[i] = this.mem[i - 1];
      this.cpu[i] = this.cpu[i - 1];
      i--;
    }
    this.hosts[i] = host;
    this.mem[i] = memKey;
    this.cpu[i] = cpuKey;
    this.count = n + 1;
    const last = this.count - 1;
    this.worstMem = this.mem[last];
    this.worstCpu = this.cpu[last];
    this.worstName = (this.hosts[last] as HostState).hostname;
    this.worstUuid = (this.hosts[last] as HostState).uuid;
  }

  /** Returns the kept hosts best first and empties the buffer (dropping references to host states). */
  drain(): HostState[] {
    const out = new Array<HostState>(this.count);
    for (let i = 0; i < this.count; i++) {
      out[i] = this.hosts[i] as HostState;
      this.hosts[i] = undefined;
    }
    this.count = 0;
    return out;
  }
}
