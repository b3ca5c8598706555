import type { Filter, HostState, RequestSpec } from './types';
import { cpuSetFits, dedicatedCpuCount, isDedicated } from './cpuset';
import { labelRequirements, type LabelRequirement } from './hints';
import { EPSILON } from './tolerance';

// Nothing is re-exported from here: a re-export compiles to an accessor on this module's exports
// object, and the scheduler's hot loop calls predicates through that object (measured ~25% slower).

// The predicates take plain values rather than the request: the Filter objects wrap them with the
// request's "not asked for" cases, and the scheduler calls them with values hoisted out of its loop.

export function azMatches(host: HostState, az: string): boolean {
  return host.availabilityZone === az;
}

export function isUsable(host: HostState): boolean {
  return host.serviceUp && !host.disabled;
}

export function hasRuntime(host: HostState, runtime: string): boolean {
  // A plain loop rather than Array#includes, which stays a builtin call per host; V8 inlines this one.
  const runtimes = host.runtimes;
  for (let i = 0; i < runtimes.length; i++) if (runtimes[i] === runtime) return true;
  return false;
}

export function cpuFits(host: HostState, cpu: number): boolean {
  return host.cpuLimit - host.cpuUsed >= cpu - EPSILON;
}

export function ramFits(host: HostState, memory: number): boolean {
  return host.memLimit - host.memUsed >= memory - EPSILON;
}

/** Only for a request with disk > 0; without quota support the engine cannot enforce a disk size. */
export function diskFits(host: HostState, disk: number): boolean {
  return host.diskQuotaSupported && host.diskLimit - host.diskUsed >= disk - EPSILON;
}

export function labelsMatch(host: HostState, required: readonly LabelRequirement[]): boolean {
  for (let i = 0; i < required.length; i++) {
    const [key, value] = required[i];
    // hasOwn so that a hint like `label:constructor` cannot match Object.prototype.
    if (value === null || !Object.hasOwn(host.labels, key) || host.labels[key] !== value) return false;
  }
  return true;
}

/**
 * Numeric ids for the scheduler's hot loop. The scheduler's fast path checks in this order, which starts
 * with the default enabled_filters order (AZ, Compute, Runtime, CPU, Ram), so that with the default
 * config every rejection can be charged to its filter without walking the configured list again.
 */
export const FILTER_CODE = {
  AvailabilityZoneFilter: 0,
  ComputeFilter: 1,
  RuntimeFilter: 2,
  CPUFilter: 3,
  RamFilter: 4,
  DiskFilter: 5,
  LabelFilter: 6,
  // Last, so that for the default filters its check costs one boolean test on hosts that pass the rest.
  CpuSetFilter: 7,
} as const;

export type FilterName = keyof typeof FILTER_CODE;

export const AVAILABLE_FILTERS: readonly string[] = Object.freeze(Object.keys(FILTER_CODE));

/** Upstream Zun's `[scheduler] enabled_filters` default; ours (common/config.ts) adds CPUFilter and RamFilter. */
export const UPSTREAM_DEFAULT_FILTERS: readonly string[] = Object.freeze([
  'AvailabilityZoneFilter',
  'ComputeFilter',
  'RuntimeFilter',
]);

export function isFilterName(name: string): name is FilterName {
  return Object.hasOwn(FILTER_CODE, name);
}

export const FILTERS: Readonly<Record<FilterName, Filter>> = Object.freeze({
  AvailabilityZoneFilter: {
    name: 'AvailabilityZoneFilter',
    hostPasses: (host: HostState, req: RequestSpec) =>
      !req.availabilityZone || azMatches(host, req.availabilityZone),
  },
  ComputeFilter: { name: 'ComputeFilter', hostPasses: (host: HostState) => isUsable(host) },
  RuntimeFilter: {
    name: 'RuntimeFilter',
    hostPasses: (host: HostState, req: RequestSpec) => !req.runtime || hasRuntime(host, req.runtime),
  },
  CPUFilter: { name: 'CPUFilter', hostPasses: (host: HostState, req: RequestSpec) => cpuFits(host, req.cpu) },
  RamFilter: {
    name: 'RamFilter',
    hostPasses: (host: HostState, req: RequestSpec) => ramFits(host, req.memory),
  },
  DiskFilter: {
    name: 'DiskFilter',
    hostPasses: (host: HostState, req: RequestSpec) => req.disk === 0 || diskFits(host, req.disk),
  },
  LabelFilter: {
    name: 'LabelFilter',
    hostPasses: (host: HostState, req: RequestSpec) => labelsMatch(host, labelRequirements(req.hints)),
  },
  // 'shared' passes everywhere. Upstream passes 'shared' only while the scheduler's own
  // [compute] enable_cpu_pinning is false, i.e. it lets a config option of the API host veto every
  // shared container; we deviate on purpose: shared containers never need a pinning-capable host.
  CpuSetFilter: {
    name: 'CpuSetFilter',
    hostPasses: (host: HostState, req: RequestSpec) =>
      !isDedicated(req) || cpuSetFits(host, dedicatedCpuCount(req.cpu), req.memory),
  },
});
