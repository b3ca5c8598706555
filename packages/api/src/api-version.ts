import { NotAcceptableError } from '@zun/common';

/** Microversion negotiation (README §5): `OpenStack-API-Version: container X.Y`. */
export const MIN_VERSION = { major: 1, minor: 1 } as const;
export const MAX_VERSION = { major: 1, minor: 40 } as const;
export const SERVICE_TYPE = 'container';

export class ApiVersion {
  constructor(
    readonly major: number,
    readonly minor: number,
  ) {}

  static parse(s: string): ApiVersion {
    const [a, b] = s.split('.');
    return new ApiVersion(Number(a), Number(b));
  }

  atLeast(v: string): boolean {
    const o = ApiVersion.parse(v);
    return this.major > o.major || (this.major === o.major && this.minor >= o.minor);
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

export const minVersionString = `${MIN_VERSION.major}.${MIN_VERSION.minor}`;
export const maxVersionString = `${MAX_VERSION.major}.${MAX_VERSION.minor}`;

export function parseVersionHeader(header: string | undefined): ApiVersion {
  if (header === undefined) return new ApiVersion(MIN_VERSION.major, MIN_VERSION.minor);
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2 || parts[0].toLowerCase() !== SERVICE_TYPE) {
    throw new NotAcceptableError(`Invalid service type for OpenStack-API-Version header: "${header}"`);
  }
  if (parts[1].toLowerCase() === 'latest') return new ApiVersion(MAX_VERSION.major, MAX_VERSION.minor);
  const m = /^(\d+)\.(\d+)$/.exec(parts[1]);
  if (!m) {
    throw new NotAcceptableError(
      `Invalid OpenStack-API-Version header value "${header}": expected "container <major>.<minor>" or "container latest"`,
    );
  }
  const v = new ApiVersion(Number(m[1]), Number(m[2]));
  if (v.major !== MAX_VERSION.major || v.minor < MIN_VERSION.minor || v.minor > MAX_VERSION.minor) {
    throw new NotAcceptableError(
      `Version ${v} was requested but the minor version is not supported by this version of Zun API. ` +
        `The supported range is [${SERVICE_TYPE} ${minVersionString}, ${SERVICE_TYPE} ${maxVersionString}].`,
      'Requested microversion is unsupported',
    );
  }
  return v;
}
