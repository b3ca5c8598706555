import { SecretBox, SecretBoxError } from './secret-box';

describe('SecretBox', () => {
  it('round-trips and never stores the plain text', () => {
    const box = new SecretBox('key-one');
    const sealed = box.encrypt('p@ss word');
    expect(sealed).not.toContain('p@ss');
    expect(sealed.startsWith('v1:')).toBe(true);
    expect(box.decrypt(sealed)).toBe('p@ss word');
    // A fresh IV each time.
    expect(box.encrypt('p@ss word')).not.toBe(sealed);
  });

  it('refuses another key, tampering and a missing key', () => {
    const sealed = new SecretBox('key-one').encrypt('secret');
    expect(() => new SecretBox('key-two').decrypt(sealed)).toThrow(SecretBoxError);
    const last = sealed.slice(-2, -1) === 'A' ? 'B' : 'A';
    const tampered = `${sealed.slice(0, -2)}${last}${sealed.slice(-1)}`;
    expect(() => new SecretBox('key-one').decrypt(tampered)).toThrow(SecretBoxError);
    expect(() => new SecretBox('key-one').decrypt('plain')).toThrow(SecretBoxError);
    expect(() => new SecretBox('')).toThrow(SecretBoxError);
  });
});
