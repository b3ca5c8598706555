/**
 * Scheduler hints (contract §3.3): free-form, not persisted. Only `label:<key>` entries have an effect,
 * through LabelFilter. `group`, `same_host` and `different_host` are accepted and ignored: upstream they
 * only lift Placement's result limit (there are no affinity filters), and this scheduler has no such
 * limit since it always considers every host.
 */

const LABEL_HINT_PREFIX = 'label:';

/** Hint keys that upstream recognises without them changing which hosts pass. */
export const IGNORED_HINTS: readonly string[] = Object.freeze(['group', 'same_host', 'different_host']);

const NO_HINTS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The hints as an object. The API's schema allows an object or null, but the library takes whatever it
 * is given: null, an array, a string or a number count as no hints rather than a crash (upstream's
 * LabelFilter crashes on null hints) or, for strings and arrays, as hints keyed by index.
 */
export function normalizeHints(hints: unknown): Readonly<Record<string, unknown>> {
  if (hints === null || typeof hints !== 'object' || Array.isArray(hints)) return NO_HINTS;
  return hints as Record<string, unknown>;
}

/** A `label:<key>` hint reduced to what the host must carry. */
export type LabelRequirement = readonly [key: string, value: string | null];

/**
 * The `label:*` hints of a request. A non-string hint value is kept as null and never matches: labels
 * are strings and guessing a conversion would make placement depend on how a client serialised it.
 */
export function labelRequirements(hints: unknown): LabelRequirement[] {
  const obj = normalizeHints(hints);
  const out: LabelRequirement[] = [];
  for (const key of Object.keys(obj)) {
    if (!key.startsWith(LABEL_HINT_PREFIX)) continue;
    const value = obj[key];
    out.push([key.slice(LABEL_HINT_PREFIX.length), typeof value === 'string' ? value : null]);
  }
  return out;
}
