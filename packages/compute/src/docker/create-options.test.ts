import { exposedPortNumbers } from '../manager/context';
import { dockerHealthcheck } from './engine';

describe('dockerHealthcheck', () => {
  it('runs the command through the shell and converts seconds to nanoseconds', () => {
    expect(dockerHealthcheck({ test: 'test -f /ok', intervalS: 2, timeoutS: 1, retries: 3 })).toEqual({
      Test: ['CMD-SHELL', 'test -f /ok'],
      Interval: 2e9,
      Timeout: 1e9,
      Retries: 3,
    });
  });

  it('leaves unset or zero times to the engine default', () => {
    expect(dockerHealthcheck({ test: 'true', intervalS: 0 })).toEqual({ Test: ['CMD-SHELL', 'true'] });
  });
});

describe('exposedPortNumbers', () => {
  it('gives the port numbers once each, whatever the protocol', () => {
    expect(exposedPortNumbers({ '80/tcp': {}, '53/udp': {}, '53/tcp': {} })).toEqual([80, 53]);
    expect(exposedPortNumbers(null)).toEqual([]);
  });
});
