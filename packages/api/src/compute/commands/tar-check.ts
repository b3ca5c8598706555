import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;
/** Stands for the target directory: every entry and link must stay below it. */
const ROOT = '/target';

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const isBzip2 = (b: Buffer) => b.length >= 3 && b.subarray(0, 3).toString('latin1') === 'BZh';
const isXz = (b: Buffer) =>
  b.length >= 6 && b.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));

const cstr = (b: Buffer): string => {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
};

function octal(b: Buffer): number {
  // Base-256 (GNU) for values too large for the octal field.
  if (b[0] & 0x80) {
    let n = b[0] & 0x7f;
    for (let i = 1; i < b.length; i++) n = n * 256 + b[i];
    return n;
  }
  const text = b
    .toString('latin1')
    .replace(/[\0 ]+/g, ' ')
    .trim();
  return text === '' ? 0 : /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : NaN;
}

function checksumOk(header: Buffer): boolean {
  const stored = octal(header.subarray(148, 156));
  // The checksum is the byte sum of the header with its own field read as spaces.
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum === stored;
}

/** `path=` and `linkpath=` (and `size=`) of a pax extended header: "<len> <key>=<value>\n" records. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    const len = space === -1 ? NaN : Number(data.subarray(off, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = data.subarray(space + 1, off + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    off += len;
  }
  return out;
}

const inside = (p: string): boolean => p === ROOT || p.startsWith(`${ROOT}/`);

/** Why the engine would refuse this uncompressed tar (Docker's own breakout rules), or null. */
function tarProblem(buf: Buffer): string | null {
  if (buf.length < BLOCK) return 'it is not a tar archive';
  let off = 0;
  let next: { path?: string; linkpath?: string; size?: string } = {};
  let first = true;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return first ? 'it is not a tar archive' : null; // end marker
    if (!checksumOk(h)) return first ? 'it is not a tar archive' : `it has a corrupt header at byte ${off}`;
    first = false;
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]);
    const prefix = cstr(h.subarray(345, 500));
    const ustar = h.subarray(257, 262).toString('latin1') === 'ustar';
    let name = ustar && prefix ? `${prefix}/${cstr(h.subarray(0, 100))}` : cstr(h.subarray(0, 100));
    let link = cstr(h.subarray(157, 257));
    let size = octal(h.subarray(124, 136));
    if (next.size !== undefined) size = Number(next.size);
    if (!Number.isSafeInteger(size) || size < 0) return `entry "${name}" has an invalid size`;
    off += BLOCK;
    if (off + size > buf.length) {
      return `it is truncated: entry "${name}" needs ${size} bytes but the archive ends first`;
    }
    const data = buf.subarray(off, off + size);
    off += Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') next.path = cstr(data);
    else if (type === 'K') next.linkpath = cstr(data);
    else if (type === 'x') next = { ...next, ...paxRecords(data) };
    else if (type !== 'g') {
      name = next.path ?? name;
      link = next.linkpath ?? link;
      next = {};
      const target = posix.join(ROOT, name);
      if (!inside(target)) return `entry "${name}" would be written outside the target directory`;
      if (type === '1' && !inside(posix.join(ROOT, link))) {
        return `entry "${name}" is a hard link to "${link}", outside the target directory`;
      }
      if (type === '2' && !inside(posix.join(posix.dirname(target), link))) {
        return `entry "${name}" is a symbolic link to "${link}", outside the target directory`;
      }
    }
  }
  // A partial block at the end is what a cut-off archive leaves; none at all is a tar without
  // its end marker, which the engine reads.
  return off < buf.length ? 'it is truncated: it ends inside a header' : null;
}

/**
 * Why an archive for put_archive cannot be extracted, or null when it can as far as can be
 * told here. The engine answers a bad archive with a bare 500, so a tar (or a gzip of one) is
 * read through first: headers and their checksums, entries cut short, and names or links that
 * leave the target directory, which the engine refuses. bzip2 and xz cannot be read without
 * their decoders and are handed on as they are. `maxBytes` bounds a gzip's expanded size.
 */
export function archiveProblem(buf: Buffer, maxBytes: number): string | null {
  if (isBzip2(buf) || isXz(buf)) return null;
  if (!isGzip(buf)) return tarProblem(buf);
  let tar: Buffer;
  try {
    tar = gunzipSync(buf, { maxOutputLength: maxBytes });
  } catch (err) {
    return (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
      ? `it expands to more than ${maxBytes} bytes`
      : 'it is not a valid gzip stream';
  }
  return tarProblem(tar);
}
