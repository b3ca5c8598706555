/**
 * The origin check, applied before any upgrade. Non-browser clients send no Origin and pass.
 * A browser (or the zun CLI, which sends `http://<host>:<port>` of the URL it opens) passes only
 * when its Origin is exactly the proxy's own origin as addressed (scheme + Host header) or
 * exactly one of the configured allowed origins. No wildcard, prefix or hostname-only matching.
 */
export function originAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowed: readonly string[],
  secure: boolean,
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  if (!hostHeader) return false;
  return origin === `${secure ? 'https' : 'http'}://${hostHeader}`;
}
