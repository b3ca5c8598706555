/**
 * @zun/scheduler: pure container placement (filters + weighers), no I/O. The caller builds HostState
 * snapshots from the DB, calls FilterScheduler.schedule() per container and consume() on the chosen
 * host so the cached snapshot reflects the placement. schedule() returns at most `maxCandidates`
 * (default 10) hosts, best first, chosen by partial selection rather than a full sort.
 */
export type { Filter, HostState, RequestSpec, ScheduleResult, SchedulerOptions, Weigher } from './types';
export { AVAILABLE_FILTERS, EPSILON, FILTERS, type FilterName } from './filters';
export { DEFAULT_MAX_CANDIDATES, FilterScheduler, consume } from './scheduler';
