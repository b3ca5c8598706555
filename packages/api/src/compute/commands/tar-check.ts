/**
 * Whether a buffer is an archive Docker can extract: a tar whose first header carries a valid
 * checksum, or a gzip/bzip2/xz stream (Docker decompresses those itself). Checked before
 * reaching the engine, which answers a garbage body with a bare 500.
 */
export function looksLikeArchive(buf: Buffer): boolean {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true; // gzip
  if (buf.length >= 3 && buf.subarray(0, 3).toString('latin1') === 'BZh') return true;
  if (buf.length >= 6 && buf.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])))
    return true;
  if (buf.length < 512 || buf.length % 512 !== 0) return false;
  const header = buf.subarray(0, 512);
  const stored = Number.parseInt(
    header
      .subarray(148, 156)
      .toString('latin1')
      .replace(/[\0 ]+/g, ' ')
      .trim(),
    8,
  );
  if (!Number.isFinite(stored)) return false;
  // The checksum is the byte sum of the header with its own field read as spaces.
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum === stored;
}
