import { randomBytes, scryptSync } from 'node:crypto';
import { hashPassword, verifyPassword } from './passwords';

describe('password hashing', () => {
  it('stores the scrypt parameters, salt and hash in the string', async () => {
    const stored = await hashPassword('s3cret');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(Buffer.from(stored.split('$')[4], 'base64')).toHaveLength(16);
  });

  it('verifies the right password and rejects others', async () => {
    const stored = await hashPassword('s3cret');
    expect(await verifyPassword('s3cret', stored)).toBe(true);
    expect(await verifyPassword('s3cret ', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toEqual(await hashPassword('same'));
  });

  it('reads the cost from the stored string, so older hashes keep working', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('old', salt, 32, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('old', stored)).toBe(true);
    expect(await verifyPassword('new', stored)).toBe(false);
  });

  it('treats unreadable or hostile stored values as a failed login', async () => {
    const good = await hashPassword('x');
    const [, , r, p, salt, key] = good.split('$');
    for (const stored of [
      '',
      'plain-text',
      `bcrypt$16384$${r}$${p}$${salt}$${key}`,
      `scrypt$1000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`, // would need gigabytes
      `scrypt$16384$${r}$${p}$${salt}$`,
    ]) {
      expect(await verifyPassword('x', stored)).toBe(false);
    }
  });
});
