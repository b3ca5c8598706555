export type { Filter, HostState, RequestSpec, ScheduleResult, SchedulerOptions, Weigher } from './types';
export { AVAILABLE_FILTERS, EPSILON, FILTERS, type FilterName } from './filters';
export { DEFAULT_MAX_CANDIDATES, FilterScheduler, consume } from './scheduler';
