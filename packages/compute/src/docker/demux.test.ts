import { demuxLogs, LogDemux } from './demux';

/** One frame of Docker's multiplexed stream: [kind, 0, 0, 0, size (BE u32)] + payload. */
function frame(kind: 0 | 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = kind;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demuxLogs', () => {
  it('concatenates stdout and stderr frames in order', () => {
    const buf = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]);
    expect(demuxLogs(buf)).toBe('out 1\nerr 1\nout 2\n');
  });

  it('accepts stdin frames and empty frames', () => {
    const buf = Buffer.concat([frame(0, 'in'), frame(1, ''), frame(2, '!')]);
    expect(demuxLogs(buf)).toBe('in!');
  });

  it('keeps multi-byte UTF-8 split across frames intact', () => {
    const bytes = Buffer.from('héllo', 'utf8');
    const first = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 2]), bytes.subarray(0, 2)]);
    const second = Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, bytes.length - 2]), bytes.subarray(2)]);
    expect(demuxLogs(Buffer.concat([first, second]))).toBe('héllo');
  });

  it('returns a raw (TTY) stream as text', () => {
    const raw = Buffer.from('hello from a tty\r\nsecond line\r\n', 'utf8');
    expect(demuxLogs(raw)).toBe('hello from a tty\r\nsecond line\r\n');
  });

  // A TTY container that printed fewer bytes than one frame header (e.g. `echo hi`).
  it('returns a short raw stream (under one header) as text', () => {
    expect(demuxLogs(Buffer.from('hi\r\n'))).toBe('hi\r\n');
  });

  it('returns a raw stream of exactly one header length as text', () => {
    expect(demuxLogs(Buffer.from('abcdefgh'))).toBe('abcdefgh');
  });

  it('returns an empty string for an empty buffer', () => {
    expect(demuxLogs(Buffer.alloc(0))).toBe('');
  });
});

describe('LogDemux', () => {
  const run = async (chunks: Buffer[]): Promise<string> => {
    const d = new LogDemux();
    const out: Buffer[] = [];
    d.on('data', (b: Buffer) => out.push(b));
    const ended = new Promise((r) => d.on('end', r));
    for (const c of chunks) d.write(c);
    d.end();
    await ended;
    return Buffer.concat(out).toString('utf8');
  };
  /** Every way of cutting `buf` in two, and byte by byte. */
  const cuts = (buf: Buffer): Buffer[][] => [
    [buf],
    ...Array.from({ length: buf.length - 1 }, (_, i) => [buf.subarray(0, i + 1), buf.subarray(i + 1)]),
    [...buf].map((b) => Buffer.from([b])),
  ];

  it('gives what demuxLogs gives, however the stream is cut', async () => {
    const framed = Buffer.concat([
      frame(1, 'out 1\n'),
      frame(2, 'err 1\n'),
      frame(1, 'héllo\n'),
      frame(1, ''),
    ]);
    for (const parts of cuts(framed)) expect(await run(parts)).toBe(demuxLogs(framed));
    const raw = Buffer.from('hello from a tty\r\nsecond line\r\n');
    for (const parts of cuts(raw)) expect(await run(parts)).toBe(demuxLogs(raw));
    expect(await run([Buffer.from('hi\r\n')])).toBe('hi\r\n');
    expect(await run([])).toBe('');
  });
});
