import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

// A fixed key keeps tests that do not use a temp DATA_DIR from writing ./data/secret.key.
const SECRET_KEY = 'k'.repeat(40);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lp-test-config-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configError(raw: Record<string, string>): ConfigError {
  try {
    loadConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  it('starts on port 3000 with ./data next to the working directory by default', () => {
    const config = loadConfig({ SECRET_KEY });
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe(resolve('data'));
    expect(config.databaseFile).toBe(join(resolve('data'), 'landpost.sqlite'));
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.production).toBe(false);
  });

  it('refuses a port that is not a port and names PORT', () => {
    expect(configError({ SECRET_KEY, PORT: 'eighty' }).message).toMatch(/^\s*PORT:/m);
    expect(configError({ SECRET_KEY, PORT: '70000' }).message).toMatch(/^\s*PORT:/m);
  });

  it('refuses to run in production without an SMTP relay and names SMTP_URL', () => {
    const error = configError({ SECRET_KEY, NODE_ENV: 'production' });
    expect(error.message).toMatch(/^\s*SMTP_URL:/m);
    expect(error.message).toContain('required in production');
  });

  it('refuses cheap password hashing in production and names PASSWORD_HASH_COST', () => {
    const error = configError({
      SECRET_KEY,
      NODE_ENV: 'production',
      SMTP_URL: 'smtp://relay.example.org',
      PASSWORD_HASH_COST: 'low',
    });
    expect(error.message).toMatch(/^\s*PASSWORD_HASH_COST:/m);
  });

  it('generates SECRET_KEY into DATA_DIR/secret.key, readable only by the owner, and reuses it', () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir });
    const file = join(dataDir, 'secret.key');

    expect(first.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secretKey);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.secretKey).toBe(first.secretKey);
  });

  it('sends transactional mail from noreply on the newsletter domain, not from MAIL_FROM', () => {
    const config = loadConfig({
      SECRET_KEY,
      MAIL_FROM: 'Landpost Test <newsletter@landpost.test>',
    });
    expect(config.mailFrom).toBe('Landpost Test <newsletter@landpost.test>');
    expect(config.mailFromTransactional).not.toBe(config.mailFrom);
    expect(config.mailFromTransactional).toBe('"Landpost Test" <noreply@landpost.test>');
    expect(config.mailFromTransactionalSet).toBe(false);

    const explicit = loadConfig({
      SECRET_KEY,
      MAIL_FROM: 'Landpost Test <newsletter@landpost.test>',
      MAIL_FROM_TRANSACTIONAL: 'Service <service@landpost.test>',
    });
    expect(explicit.mailFromTransactional).toBe('Service <service@landpost.test>');
    expect(explicit.mailFromTransactionalSet).toBe(true);
  });
});
