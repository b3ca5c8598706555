import { EscapeDetector } from './escape';

const feedAll = (d: EscapeDetector, reads: string[]): (string | 'detach')[] =>
  reads.map((r) => {
    const out = d.feed(Buffer.from(r));
    return out === 'detach' ? out : out.toString();
  });

describe('EscapeDetector (the client announces ~. but cannot detect it under Python 3)', () => {
  it('detaches on Enter, ~, . read one key at a time', () => {
    expect(feedAll(new EscapeDetector(), ['l', 's', '\r', '~', '.'])).toEqual(['l', 's', '\r', '', 'detach']);
  });

  it('needs the start of a line: ~. in the middle of a line, or before any Enter, is typed through', () => {
    expect(feedAll(new EscapeDetector(), ['~', '.'])).toEqual(['~', '.']);
    expect(feedAll(new EscapeDetector(), ['\r', 'a', '~', '.'])).toEqual(['\r', 'a', '~', '.']);
  });

  it('a held ~ followed by anything else is sent before it', () => {
    expect(feedAll(new EscapeDetector(), ['\r', '~', 'x'])).toEqual(['\r', '', '~x']);
    expect(feedAll(new EscapeDetector(), ['\r', '~', '\r', '~', '.'])).toEqual([
      '\r',
      '',
      '~\r',
      '',
      'detach',
    ]);
  });

  it('~~ at the start of a line sends one ~ and the line goes on', () => {
    expect(feedAll(new EscapeDetector(), ['\r', '~', '~', '.'])).toEqual(['\r', '', '~~', '.']);
  });

  it("the terminal's cursor position report after Enter (busybox sh asks for it) keeps the start of the line", () => {
    const cpr = '\x1b[12;5R';
    expect(feedAll(new EscapeDetector(), ['\r', cpr, '~', '.'])).toEqual(['\r', cpr, '', 'detach']);
    expect(feedAll(new EscapeDetector(), ['\r', '~', cpr, '.'])).toEqual(['\r', '', cpr, 'detach']);
    // An arrow key is typing, not a report: it ends the start of the line.
    expect(feedAll(new EscapeDetector(), ['\r', '\x1b[A', '~', '.'])).toEqual(['\r', '\x1b[A', '~', '.']);
  });

  it('pasted text (one read of many bytes) never detaches', () => {
    expect(feedAll(new EscapeDetector(), ['\r', '~.', '\r~.\r'])).toEqual(['\r', '~.', '\r~.\r']);
  });
});
