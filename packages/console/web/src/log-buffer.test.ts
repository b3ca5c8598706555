import { LogBuffer } from './log-buffer';

describe('LogBuffer: the last lines of a log that arrives in chunks', () => {
  it('joins lines cut across chunks and keeps a line still being written', () => {
    const b = new LogBuffer(10);
    b.append('one\ntw');
    b.append('o\nthr');
    expect(b.text).toBe('one\ntwo\nthr');
    expect(b.lineCount).toBe(3);
    b.append('ee\n');
    expect(b.text).toBe('one\ntwo\nthree\n');
  });

  it('keeps only the last max lines, however the chunks come', () => {
    const b = new LogBuffer(3);
    b.append('1\n2\n3\n4\n');
    expect(b.text).toBe('2\n3\n4\n');
    b.append('5\n6');
    expect(b.text).toBe('4\n5\n6');
    expect(b.dropped).toBe(3);
    const big = new LogBuffer(5_000);
    big.append(Array.from({ length: 200_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(big.lineCount).toBe(5_000);
    expect(big.text.startsWith('line 195000\n')).toBe(true);
  });

  it('starts over on reset', () => {
    const b = new LogBuffer(3);
    b.append('a\nb\n');
    b.reset('c\n');
    expect(b.text).toBe('c\n');
    expect(b.dropped).toBe(0);
  });
});
