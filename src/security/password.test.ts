import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';

const FAST = { N: 1 << 10, r: 8, p: 1 };

describe('scrypt password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse battery', FAST);
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterY', h)).toBe(false);
  });

  it('salts: the same password hashes differently each time, and the hash does not contain it', async () => {
    const a = await hashPassword('same password here', FAST);
    const b = await hashPassword('same password here', FAST);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same password');
  });

  it('uses the cost stored in the hash, so old hashes keep working after the default changes', async () => {
    const h = await hashPassword('cost travels along', { N: 1 << 11, r: 4, p: 2 });
    expect(await verifyPassword('cost travels along', h)).toBe(true);
  });

  it('refuses malformed hashes instead of throwing', async () => {
    for (const bad of ['', 'plain', 'scrypt$0$8$1$AAAA$BBBB', 'bcrypt$1$2$3$4$5', 'scrypt$1024$8$1$c2FsdA==$c2hvcnQ=']) {
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });

  it('refuses short passwords', () => {
    expect(passwordProblem('short')).toMatch(/at least/);
    expect(passwordProblem('long enough password')).toBeNull();
  });
});
