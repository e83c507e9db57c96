import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../server/config.js';

export interface TestConfig extends Config {
  /** Remove the temporary DATA_DIR. */
  cleanup(): void;
}

/**
 * A config for one test file: its own DATA_DIR, its own queue prefix on the run's shared
 * redis-server, no fill-time delay on forms, and a fixed sender and imprint to assert on.
 */
export function testConfig(overrides: Record<string, string> = {}): TestConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'lp-test-data-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: `lp-test-${randomBytes(6).toString('hex')}`,
    MIN_FILL_SECONDS: '0',
    // Cheap argon2: the suite logs in hundreds of times (stored hashes carry their parameters).
    PASSWORD_HASH_COST: 'low',
    // Tests log in many times from one address; the limit itself is tested with its own value.
    LOGIN_RATE_LIMIT: '1000',
    PUBLIC_URL: 'http://localhost:3000',
    MAIL_FROM: 'Landpost Test <newsletter@landpost.test>',
    ORG_NAME: 'Landpost Test e.V.',
    ORG_IMPRINT: 'Landpost Test e.V.\nMusterstraße 1\n39104 Magdeburg',
    ...overrides,
  });
  return {
    ...config,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
