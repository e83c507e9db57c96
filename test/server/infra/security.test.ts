import { describe, expect, it } from 'vitest';
import { Secrets } from '../../../server/infra/security.js';

const secrets = new Secrets('unit-test-secret-unit-test-secret-0123');
const future = () => Math.floor(Date.now() / 1000) + 3600;

describe('signed link tokens', () => {
  it('verify for their own purpose only, and not after they expire', () => {
    const token = secrets.sign('unsubscribe', { s: 42, l: 1, e: future() });
    expect(secrets.verify('unsubscribe', token)).toMatchObject({ s: 42, l: 1 });
    expect(secrets.verify('preferences', token)).toBeUndefined();
    const expired = secrets.sign('unsubscribe', { s: 42, e: Math.floor(Date.now() / 1000) - 1 });
    expect(secrets.verify('unsubscribe', expired)).toBeUndefined();
    expect(
      new Secrets('another-secret-another-secret-0123456').verify('unsubscribe', token),
    ).toBeUndefined();
  });

  it('refuse every changed character, also in the unused bits of the last one', () => {
    const token = secrets.sign('preferences', { s: 7, e: future() });
    const [body, mac] = token.split('.') as [string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const c of alphabet) {
      if (c === mac.at(-1)) continue;
      expect(secrets.verify('preferences', `${body}.${mac.slice(0, -1)}${c}`), c).toBeUndefined();
    }
    const forged = Buffer.from(JSON.stringify({ s: 8, e: future() })).toString('base64url');
    expect(secrets.verify('preferences', `${forged}.${mac}`)).toBeUndefined();
    for (const garbage of ['', 'x', 'a.b.c', `${body}.`, `.${mac}`, 'x'.repeat(600)]) {
      expect(secrets.verify('preferences', garbage)).toBeUndefined();
    }
  });

  it('hash addresses case-insensitively and differently per secret', () => {
    expect(secrets.emailHash('Anna@Example.org ')).toBe(secrets.emailHash('anna@example.org'));
    expect(secrets.emailHash('anna@example.org')).not.toBe(
      new Secrets('another-secret-another-secret-0123456').emailHash('anna@example.org'),
    );
  });

  it('seal secrets for storage: readable only with the same key, tampering refused', () => {
    const sealed = secrets.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(secrets.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed);
    expect(secrets.unseal(sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(new Secrets('another-secret-another-secret-0123456').unseal(sealed)).toBeUndefined();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('tampered').toString('base64url');
    expect(secrets.unseal(parts.join('.'))).toBeUndefined();
    expect(secrets.unseal('JBSWY3DPEHPK3PXP')).toBeUndefined();
  });
});
