import { JsonStringEncoder } from './logs-stream';

async function encode(chunks: Buffer[]): Promise<string> {
  const e = new JsonStringEncoder();
  const out: string[] = [];
  e.on('data', (b: Buffer | string) => out.push(b.toString()));
  const ended = new Promise((r) => e.on('end', r));
  for (const c of chunks) e.write(c);
  e.end();
  await ended;
  return out.join('');
}

describe('JsonStringEncoder', () => {
  it('writes exactly JSON.stringify of the text, however the bytes are cut', async () => {
    const text = 'line "one"\\ \t tab\nhéllo 😀 \u0001 end\r\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let i = 1; i < bytes.length; i += 1) {
      const out = await encode([bytes.subarray(0, i), bytes.subarray(i)]);
      expect(out).toBe(JSON.stringify(text));
    }
    expect(await encode([...bytes].map((b) => Buffer.from([b])))).toBe(JSON.stringify(text));
  });

  it('mixes ASCII and other chunks, and replaces invalid UTF-8 as a decoder does', async () => {
    const parts = [Buffer.from('plain "ascii"\n'), Buffer.from('é'), Buffer.from(' and\tmore\n')];
    expect(await encode(parts)).toBe(JSON.stringify('plain "ascii"\né and\tmore\n'));
    const split = Buffer.from('😀');
    expect(await encode([Buffer.from('a'), split.subarray(0, 2), split.subarray(2), Buffer.from('b')])).toBe(
      JSON.stringify('a😀b'),
    );
    const bad = Buffer.from([0x61, 0xff, 0x62]);
    expect(await encode([bad])).toBe(JSON.stringify(bad.toString('utf8')));
    // Every output parses back to what a decoder makes of the bytes.
    expect(JSON.parse(await encode([Buffer.from('x\u0000y\u001f')]))).toBe('x\u0000y\u001f');
  });

  it('gives an empty JSON string for an empty log', async () => {
    expect(await encode([])).toBe('""');
  });
});
