/**
 * @zun/scheduler: pure container placement (filters + weighers), no I/O. The caller builds HostState
 * snapshots from the DB, calls FilterScheduler.schedule() per container and consume() on the chosen
 * host so the cached snapshot reflects the placement (release() undoes it). schedule() returns at most
 * `maxCandidates` (default 10) hosts, best first, chosen by partial selection rather than a full sort.
 * Hosts given as a HostTable's are scanned from its rows rather than the objects (faster, linear).
 * Settings and filters are described in ../README.md.
 */
export type {
  CpuPolicy,
  Filter,
  HostState,
  NumaNode,
  NumaPick,
  RequestSpec,
  ScheduleResult,
  SchedulerOptions,
  Weigher,
} from './types';
export { EPSILON } from './tolerance';
export {
  AVAILABLE_FILTERS,
  FILTERS,
  UPSTREAM_DEFAULT_FILTERS,
  isFilterName,
  type FilterName,
} from './filters';
export { cpuSetFits, dedicatedCpuCount, isDedicated, numaNodeFits, pickNumaNode } from './cpuset';
export { IGNORED_HINTS, labelRequirements, normalizeHints, type LabelRequirement } from './hints';
export { DEFAULT_MAX_CANDIDATES, DEFAULT_WEIGHER, FilterScheduler, WEIGHERS } from './scheduler';
export { consume, release } from './usage';
export { HostTable } from './table';
