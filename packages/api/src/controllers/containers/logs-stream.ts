import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';

/** JSON's escapes for the ASCII bytes that need one ('"', '\', control characters). */
const ESCAPES: (Buffer | null)[] = Array.from({ length: 128 }, (_, b) => {
  const c = String.fromCharCode(b);
  const json = JSON.stringify(c).slice(1, -1);
  return json === c ? null : Buffer.from(json, 'ascii');
});

/**
 * Zun answers GET …/logs with the log as one JSON string. Written as the log streams in from
 * the host, a chunk at a time: the opening quote first, each chunk's text escaped as JSON
 * escapes it, the closing quote at the end. The API never holds a whole log, however large.
 *
 * Logs are mostly ASCII: such a chunk is escaped byte by byte into one new buffer. A chunk with
 * other bytes goes through a UTF-8 decoder and JSON.stringify, which also keeps a character
 * split across chunks whole and turns invalid bytes into U+FFFD as a decoder must.
 */
export class JsonStringEncoder extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private started = false;
  /** The decoder holds no partial character (the last byte it saw was ASCII, or none). */
  private clean = true;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.open();
    if (this.clean && isAscii(chunk)) {
      done(null, escapeAscii(chunk));
      return;
    }
    const text = this.decoder.write(chunk);
    if (chunk.length) this.clean = chunk[chunk.length - 1] < 0x80;
    done(null, text ? JSON.stringify(text).slice(1, -1) : undefined);
  }

  override _flush(done: TransformCallback): void {
    this.open();
    const rest = this.decoder.end();
    done(null, `${rest ? JSON.stringify(rest).slice(1, -1) : ''}"`);
  }

  private open(): void {
    if (this.started) return;
    this.started = true;
    this.push('"');
  }
}

function isAscii(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i += 1) if (buf[i] >= 0x80) return false;
  return true;
}

function escapeAscii(buf: Buffer): Buffer {
  let extra = 0;
  for (let i = 0; i < buf.length; i += 1) {
    const e = ESCAPES[buf[i]];
    if (e) extra += e.length - 1;
  }
  if (extra === 0) return buf;
  const out = Buffer.allocUnsafe(buf.length + extra);
  let o = 0;
  for (let i = 0; i < buf.length; i += 1) {
    const e = ESCAPES[buf[i]];
    if (e) o += e.copy(out, o);
    else out[o++] = buf[i];
  }
  return out;
}
