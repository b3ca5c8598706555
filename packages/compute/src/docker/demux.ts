import { Transform, type TransformCallback } from 'node:stream';

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

/**
 * The streaming form of demuxLogs, for logs too large to hold: frames are cut out as bytes
 * arrive, across chunk boundaries, holding at most one partial header. Whether the stream is
 * framed is decided by its first 8 bytes, as demuxLogs decides for a whole buffer (a TTY
 * container's output is raw).
 */
export class LogDemux extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  /** Payload bytes still to pass through from the frame being read. */
  private left = 0;
  private framed: boolean | null;

  /** `framed`: known from the container's TTY setting; left out, the first 8 bytes decide. */
  constructor(framed?: boolean) {
    super();
    this.framed = framed ?? null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let buf: Buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    if (this.framed === null) {
      if (buf.length < 8) {
        this.pending = buf;
        done();
        return;
      }
      this.framed = isFrameHeader(buf, 0);
    }
    if (!this.framed) {
      done(null, buf);
      return;
    }
    while (buf.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, buf.length);
        this.push(buf.subarray(0, n));
        this.left -= n;
        buf = buf.subarray(n);
        continue;
      }
      if (buf.length < 8) {
        this.pending = Buffer.from(buf);
        break;
      }
      this.left = buf.readUInt32BE(4);
      buf = buf.subarray(8);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    // A stream shorter than one header is a TTY container's raw output.
    done(null, this.framed === null && this.pending.length ? this.pending : undefined);
  }
}

function isFrameHeader(buf: Buffer, off: number): boolean {
  return buf[off] <= 2 && buf[off + 1] === 0 && buf[off + 2] === 0 && buf[off + 3] === 0;
}
