import { InputError, type MountRequest } from '@zun/common';

/**
 * Mounts without Cinder (contract: `{type?, source?, destination, size?}`):
 * - `volume` + `source=NAME`: the project's named volume NAME on the host, created on first
 *   use, kept when the container goes, reused by the project's next containers;
 * - `volume` + `size` (no source): a new volume that lives as long as the container (the
 *   local volume driver cannot enforce the size; it is recorded only);
 * - `bind` + `source=<base64 content>`: the content is written by the agent to a file of its
 *   own and bind-mounted read-only at `destination`.
 * A host path is never mountable, by anybody.
 */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEYS = ['type', 'source', 'destination', 'size'];

const bad = (msg: string) => new InputError(`Invalid mount: ${msg}`);

function destinationOf(m: Record<string, unknown>): string {
  const d = m.destination;
  if (typeof d !== 'string' || !d.startsWith('/') || d.length > 4096) {
    throw bad(`destination must be an absolute path in the container (got ${JSON.stringify(d)}).`);
  }
  const norm = d.replace(/\/+/g, '/').replace(/\/$/, '');
  if (norm === '' || norm.split('/').some((part) => part === '..' || part === '.')) {
    throw bad(`destination ${d} is not usable.`);
  }
  return norm;
}

function sizeOf(v: unknown): number {
  const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw bad(`size must be a positive whole number of GiB (got ${JSON.stringify(v)}).`);
  }
  return n;
}

export function parseMounts(value: unknown): MountRequest[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw bad('mounts must be an array.');
  const out: MountRequest[] = [];
  for (const item of value) {
    if (!item || typeof item !== 'object' || Array.isArray(item))
      throw bad(`${JSON.stringify(item)} is not an object.`);
    const m = item as Record<string, unknown>;
    const extra = Object.keys(m).filter((k) => !KEYS.includes(k));
    if (extra.length) throw bad(`unexpected keys ${extra.join(', ')}.`);
    const type = m.type ?? 'volume';
    if (type !== 'volume' && type !== 'bind')
      throw bad(`type must be volume or bind (got ${JSON.stringify(type)}).`);
    const hasSource = m.source !== undefined && m.source !== null && m.source !== '';
    if (!hasSource && (m.size === undefined || m.size === null || type === 'bind')) {
      throw bad('give source and destination, or size and destination.');
    }
    const destination = destinationOf(m);
    if (out.some((o) => o.destination === destination))
      throw bad(`destination ${destination} is used twice.`);
    if (type === 'bind') {
      const content = typeof m.source === 'string' ? m.source.replace(/\s+/g, '') : '';
      if (!BASE64.test(content)) {
        throw bad(
          'a bind mount source is the base64 content of a file to inject (host paths are never mountable).',
        );
      }
      out.push({ type: 'bind', content, destination });
    } else if (hasSource) {
      const name = String(m.source);
      if (name.includes('/') || name.startsWith('~') || name.startsWith('.')) {
        throw bad(`${name} looks like a host path; host paths are never mountable, use a volume name.`);
      }
      if (!VOLUME_NAME.test(name)) {
        throw bad(
          `volume name ${name} must be 1-63 characters of [a-zA-Z0-9_.-], starting with a letter or digit.`,
        );
      }
      out.push({ type: 'volume', name, destination });
    } else {
      out.push({ type: 'volume', name: null, size: sizeOf(m.size), destination });
    }
  }
  return out;
}
