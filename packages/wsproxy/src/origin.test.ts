import { originAllowed } from './origin';

describe('originAllowed (exact allowlist, applied before upgrade)', () => {
  const allowed = ['https://console.example.org', 'http://10.0.0.5:8080'];
  it.each([
    [undefined, '127.0.0.1:6784', false, true], // non-browser client
    ['http://127.0.0.1:6784', '127.0.0.1:6784', false, true], // what python-zunclient sends
    ['https://127.0.0.1:6784', '127.0.0.1:6784', false, false], // wrong scheme for ws://
    ['https://127.0.0.1:6784', '127.0.0.1:6784', true, true],
    ['http://127.0.0.1:6785', '127.0.0.1:6784', false, false],
    ['http://127.0.0.1', '127.0.0.1:6784', false, false],
    ['https://console.example.org', '127.0.0.1:6784', false, true],
    ['https://console.example.org:443', '127.0.0.1:6784', false, false],
    ['https://console.example.org.evil.net', '127.0.0.1:6784', false, false],
    ['https://evil.net/https://console.example.org', '127.0.0.1:6784', false, false],
    ['http://10.0.0.5:8080', undefined, false, true],
    ['http://127.0.0.1:6784', undefined, false, false],
    ['null', '127.0.0.1:6784', false, false],
    ['', '127.0.0.1:6784', false, false],
  ])('origin %j host %j secure=%j -> %j', (origin, host, secure, expected) => {
    expect(originAllowed(origin, host, allowed, secure)).toBe(expected);
  });
});
