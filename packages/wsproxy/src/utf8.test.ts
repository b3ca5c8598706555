import { incompleteTail, Utf8Boundary } from './utf8';

describe('Utf8Boundary', () => {
  it('finds an unfinished character at the end', () => {
    const euro = Buffer.from('€'); // e2 82 ac
    const smile = Buffer.from('😀'); // f0 9f 98 80
    expect(incompleteTail(Buffer.from('abc'))).toBe(0);
    expect(incompleteTail(euro)).toBe(0);
    expect(incompleteTail(euro.subarray(0, 1))).toBe(1);
    expect(incompleteTail(euro.subarray(0, 2))).toBe(2);
    expect(incompleteTail(smile.subarray(0, 3))).toBe(3);
    expect(incompleteTail(Buffer.concat([Buffer.from('a'), smile.subarray(0, 2)]))).toBe(2);
    expect(incompleteTail(Buffer.from([0x80, 0x80, 0x80, 0x80]))).toBe(0); // garbage is passed on
  });

  it('re-chunks any split of a UTF-8 text into chunks that each decode cleanly', () => {
    const text = 'héllo € wörld 😀 ok';
    const bytes = Buffer.from(text);
    for (let size = 1; size <= 5; size++) {
      const b = new Utf8Boundary();
      const out: string[] = [];
      for (let i = 0; i < bytes.length; i += size) {
        const chunk = b.push(bytes.subarray(i, i + size));
        expect(new TextDecoder('utf-8', { fatal: true }).decode(chunk)).toBeDefined();
        out.push(chunk.toString('utf8'));
      }
      out.push(b.flush().toString('utf8'));
      expect(out.join('')).toBe(text);
    }
  });
});
