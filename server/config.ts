import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import {
  DKIM_DOMAIN_PATTERN,
  DKIM_SELECTOR_PATTERN,
  loadDkimPrivateKey,
  type DkimKey,
} from '../workers/dkim.js';
import { parseRelays } from '../workers/relays.js';

/** Every setting Landpost reads. Only this file (and the CLI entry) looks at process.env. */
const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    SMTP_URL: z.string().optional(),
    MAIL_FROM: z.string().min(3).default('Landpost <newsletter@localhost>'),
    MAIL_FROM_TRANSACTIONAL: z.string().min(3).optional(),
    SECRET_KEY: z.string().min(32, 'SECRET_KEY must be at least 32 characters').optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    QUEUE_PREFIX: z.string().min(1).default('landpost'),
    CONFIRM_TOKEN_DAYS: z.coerce.number().positive().default(7),
    UNCONFIRMED_RETENTION_DAYS: z.coerce.number().positive().default(7),
    CONFIRM_COOLDOWN_MINUTES: z.coerce.number().min(0).default(10),
    MIN_FILL_SECONDS: z.coerce.number().min(0).default(3),
    SIGNUP_RATE_LIMIT: z.coerce.number().int().positive().default(10),
    LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
    TRUST_PROXY: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    ORG_NAME: z.string().default('Landpost'),
    // `\n` in the variable stands for a line break (env files have one value per line).
    ORG_IMPRINT: z
      .string()
      .default('')
      .transform((v) => v.replace(/\\n/g, '\n')),
    PRIVACY_URL: z.string().optional(),
    // `low` makes argon2 cheap for test suites; never in production.
    PASSWORD_HASH_COST: z.enum(['standard', 'low']).default('standard'),
    // Domain of the VERP bounce addresses (bounces+…@) and the mailto unsubscribe address.
    BOUNCE_DOMAIN: z
      .string()
      .regex(/^[a-z0-9.-]+$/i, 'BOUNCE_DOMAIN must be a domain name')
      .optional(),
    // The bounce endpoint (an SMTP server for the VERP and mailto-unsubscribe addresses): off
    // unless a port is given; 0 takes a free port.
    BOUNCE_SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    BOUNCE_SMTP_HOST: z.string().min(1).default('0.0.0.0'),
    // Soft bounces suppress a person once BOUNCE_SOFT_LIMIT of their last BOUNCE_SOFT_WINDOW
    // deliveries bounced soft.
    BOUNCE_SOFT_LIMIT: z.coerce.number().int().min(1).max(100).default(3),
    BOUNCE_SOFT_WINDOW: z.coerce.number().int().min(1).max(100).default(5),
    SEND_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    // First wait before a batch that met a temporary failure (4xx, timeout) is tried again;
    // each further attempt waits twice as long (with jitter).
    SEND_RETRY_DELAY_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
    // How long the batch of a send worker that died waits before another worker takes it.
    SEND_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    // A campaign pauses itself once this share of its processed deliveries failed (at least 20).
    CAMPAIGN_PAUSE_FAILURE_RATE: z.coerce.number().gt(0).max(1).default(0.2),
    // DKIM signing: all three or none. The key is a PEM text (`\n` escapes allowed) or a file.
    DKIM_DOMAIN: z
      .string()
      .regex(DKIM_DOMAIN_PATTERN, 'DKIM_DOMAIN must be a domain name')
      .optional(),
    DKIM_SELECTOR: z
      .string()
      .regex(DKIM_SELECTOR_PATTERN, 'DKIM_SELECTOR must be a DNS label, e.g. news2026')
      .optional(),
    DKIM_PRIVATE_KEY: z.string().optional(),
    // Messages per second over all send workers (kept in Redis); unset: no limit.
    SEND_RATE: z.coerce.number().positive().optional(),
    // Messages per second to one recipient domain over all send workers; unset: no limit.
    SEND_DOMAIN_RATE: z.coerce.number().positive().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.BOUNCE_SOFT_LIMIT > env.BOUNCE_SOFT_WINDOW) {
      ctx.addIssue({
        code: 'custom',
        path: ['BOUNCE_SOFT_LIMIT'],
        message: 'BOUNCE_SOFT_LIMIT cannot be larger than BOUNCE_SOFT_WINDOW',
      });
    }
    if (env.NODE_ENV === 'production' && !env.SMTP_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message:
          'SMTP_URL is required in production (e.g. smtps://user:pass@relay.example.org:465); the built-in mail catcher only runs outside production',
      });
    }
    if (env.SMTP_URL) {
      try {
        parseRelays(env.SMTP_URL);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['SMTP_URL'], message: (err as Error).message });
      }
    }
    const dkim = {
      DKIM_DOMAIN: env.DKIM_DOMAIN,
      DKIM_SELECTOR: env.DKIM_SELECTOR,
      DKIM_PRIVATE_KEY: env.DKIM_PRIVATE_KEY,
    };
    const missing = Object.entries(dkim)
      .filter(([, v]) => v === undefined)
      .map(([k]) => k);
    if (missing.length > 0 && missing.length < 3) {
      ctx.addIssue({
        code: 'custom',
        path: [missing[0]!],
        message: `DKIM signing needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together (missing: ${missing.join(', ')})`,
      });
    }
    if (env.NODE_ENV === 'production' && env.PASSWORD_HASH_COST !== 'standard') {
      ctx.addIssue({
        code: 'custom',
        path: ['PASSWORD_HASH_COST'],
        message: 'PASSWORD_HASH_COST=low is for test suites only, never in production',
      });
    }
  });

export type Env = z.infer<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  production: boolean;
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseFile: string;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  mailFromTransactional: string;
  /** MAIL_FROM_TRANSACTIONAL was set: used as written; else the organisation's name is shown. */
  mailFromTransactionalSet: boolean;
  secretKey: string;
  logLevel: Env['LOG_LEVEL'];
  queuePrefix: string;
  confirmTokenDays: number;
  unconfirmedRetentionDays: number;
  confirmCooldownMinutes: number;
  minFillSeconds: number;
  signupRateLimit: number;
  loginRateLimit: number;
  trustProxy: boolean;
  shutdownTimeoutMs: number;
  orgName: string;
  orgImprint: string;
  privacyUrl: string;
  passwordHashCost: Env['PASSWORD_HASH_COST'];
  /** VERP and mailto-unsubscribe domain; unset: the newsletter sender's domain. */
  bounceDomain?: string;
  /** Port of the bounce endpoint; unset: no endpoint. */
  bounceSmtpPort: number | undefined;
  bounceSmtpHost: string;
  bounceSoftLimit: number;
  bounceSoftWindow: number;
  sendConcurrency: number;
  sendLockMs: number;
  sendRetryDelayMs: number;
  campaignPauseFailureRate: number;
  /** DKIM signing of every outgoing message; unset: messages go out unsigned. */
  dkim?: DkimKey;
  /** Messages per second over all send workers; unset: no limit. */
  sendRate?: number;
  /** Messages per second to one recipient domain over all send workers; unset: no limit. */
  sendDomainRate?: number;
}

export class ConfigError extends Error {}

/** Turn a raw environment into a config; throws ConfigError with one readable line per problem. */
export function loadConfig(
  raw: Record<string, string | undefined> = process.env,
  overrides: Partial<Config> = {},
): Config {
  const cleaned = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const env = parsed.data;
  let dkim: DkimKey | undefined;
  if (env.DKIM_DOMAIN && env.DKIM_SELECTOR && env.DKIM_PRIVATE_KEY) {
    try {
      dkim = {
        domainName: env.DKIM_DOMAIN.toLowerCase(),
        keySelector: env.DKIM_SELECTOR,
        privateKey: loadDkimPrivateKey(env.DKIM_PRIVATE_KEY),
      };
    } catch (err) {
      throw new ConfigError(
        `Invalid configuration:\n  DKIM_PRIVATE_KEY: ${(err as Error).message}`,
      );
    }
  }
  const dataDir = resolve(overrides.dataDir ?? env.DATA_DIR);
  const port = overrides.port ?? env.PORT;
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const mailFrom = env.MAIL_FROM;
  const base: Config = {
    env: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    port,
    host: env.HOST,
    publicUrl,
    dataDir,
    databaseFile: join(dataDir, 'landpost.sqlite'),
    redisUrl: env.REDIS_URL,
    smtpUrl: env.SMTP_URL,
    mailFrom,
    mailFromTransactional: env.MAIL_FROM_TRANSACTIONAL ?? transactionalFrom(mailFrom),
    mailFromTransactionalSet: env.MAIL_FROM_TRANSACTIONAL !== undefined,
    secretKey: env.SECRET_KEY ?? '',
    logLevel: env.LOG_LEVEL,
    queuePrefix: env.QUEUE_PREFIX,
    confirmTokenDays: env.CONFIRM_TOKEN_DAYS,
    unconfirmedRetentionDays: env.UNCONFIRMED_RETENTION_DAYS,
    confirmCooldownMinutes: env.CONFIRM_COOLDOWN_MINUTES,
    minFillSeconds: env.MIN_FILL_SECONDS,
    signupRateLimit: env.SIGNUP_RATE_LIMIT,
    loginRateLimit: env.LOGIN_RATE_LIMIT,
    trustProxy: env.TRUST_PROXY,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    orgName: env.ORG_NAME,
    orgImprint: env.ORG_IMPRINT,
    privacyUrl: env.PRIVACY_URL ?? `${publicUrl}/privacy`,
    passwordHashCost: env.PASSWORD_HASH_COST,
    bounceDomain: env.BOUNCE_DOMAIN,
    bounceSmtpPort: env.BOUNCE_SMTP_PORT,
    bounceSmtpHost: env.BOUNCE_SMTP_HOST,
    bounceSoftLimit: env.BOUNCE_SOFT_LIMIT,
    bounceSoftWindow: env.BOUNCE_SOFT_WINDOW,
    sendConcurrency: env.SEND_CONCURRENCY,
    sendLockMs: env.SEND_LOCK_MS,
    sendRetryDelayMs: env.SEND_RETRY_DELAY_MS,
    campaignPauseFailureRate: env.CAMPAIGN_PAUSE_FAILURE_RATE,
    ...(dkim ? { dkim } : {}),
    ...(env.SEND_RATE ? { sendRate: env.SEND_RATE } : {}),
    ...(env.SEND_DOMAIN_RATE ? { sendDomainRate: env.SEND_DOMAIN_RATE } : {}),
  };
  const config = { ...base, ...overrides };
  if (!config.secretKey) config.secretKey = ensureSecretKey(config.dataDir);
  return config;
}

/** Transactional mail comes from a separate address: "noreply" on the newsletter's domain. */
function transactionalFrom(from: string): string {
  const match = /^(.*?)<?([^<>\s]+)@([^<>\s]+?)>?$/.exec(from.trim());
  if (!match) return from;
  const name = (match[1] ?? '').trim().replace(/^"|"$/g, '');
  const domain = match[3];
  return `${name ? `"${name}" ` : ''}<noreply@${domain}>`;
}

/** SECRET_KEY unset: generate one into DATA_DIR/secret.key on first start and reuse it later. */
function ensureSecretKey(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 32) return key;
  }
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

/** The search path for system programs (redis-server, apt-get, chromium). */
export function systemPath(): string {
  return process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
}

/** The environment for a system command Landpost runs (apt-get), with extra variables. */
export function commandEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
