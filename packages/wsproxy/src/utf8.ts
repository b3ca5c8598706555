/**
 * python-zunclient decodes every message it receives as UTF-8 on its own and dies on a
 * character cut in two, so messages towards a client end on a character boundary: an
 * incomplete sequence at the end of a chunk is held back and sent with the next one.
 */
export class Utf8Boundary {
  private carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = incompleteTail(buf);
    this.carry = cut ? Buffer.from(buf.subarray(buf.length - cut)) : Buffer.alloc(0);
    return cut ? buf.subarray(0, buf.length - cut) : buf;
  }

  /** Whatever is still held back (e.g. when the stream ends). */
  flush(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest;
  }
}

/** Number of bytes at the end of buf that start a multi-byte character not yet complete. */
export function incompleteTail(buf: Buffer): number {
  // A character is at most 4 bytes: only the last 3 can belong to an unfinished one.
  for (let back = 1; back <= Math.min(3, buf.length); back++) {
    const b = buf[buf.length - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}
