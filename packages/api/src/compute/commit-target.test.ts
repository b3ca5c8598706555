import { sameRegistryEndpoint } from './commit-target';

describe('sameRegistryEndpoint', () => {
  it.each([
    ['127.0.0.1:5000', '127.0.0.1:5000/'],
    ['localhost:5000', '127.0.0.1:5000'],
    ['127.1:5000', '127.0.0.1:5000'],
    ['127.0.0.2:5000', '127.0.0.1:5000'],
    ['0.0.0.0:5000', '127.0.0.1:5000'],
    ['[::1]:5000', '127.0.0.1:5000'],
    ['LOCALHOST:5000', 'localhost:5000'],
  ])('%s reaches %s', async (a, b) => {
    expect(await sameRegistryEndpoint(a, b)).toBe(true);
  });

  it.each([
    ['127.0.0.1:5001', '127.0.0.1:5000'],
    ['localhost', '127.0.0.1:5000'],
    ['192.0.2.10:5000', '127.0.0.1:5000'],
  ])('%s does not reach %s', async (a, b) => {
    expect(await sameRegistryEndpoint(a, b)).toBe(false);
  });

  it('refuses a host it cannot resolve rather than guess', async () => {
    await expect(sameRegistryEndpoint('no-such-host.invalid:5000', '127.0.0.1:5000')).rejects.toThrow(
      /cannot be resolved/,
    );
  });
});
