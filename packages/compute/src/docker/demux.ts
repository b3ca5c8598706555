/** Splits Docker's multiplexed stdout/stderr framing (8-byte headers) into one text. */
export function demuxLogs(buf: Buffer): string {
  // Shorter than one header: a TTY container's raw output.
  if (buf.length > 0 && buf.length < 8) return buf.toString('utf8');
  const parts: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const kind = buf[off];
    const size = buf.readUInt32BE(off + 4);
    if (kind > 2 || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0) {
      // Not framed (a TTY container): the stream is raw text.
      return buf.toString('utf8');
    }
    parts.push(buf.subarray(off + 8, off + 8 + size));
    off += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
