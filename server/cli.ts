import { TrackingService } from './services/tracking/index.js';
import { join, resolve } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DKIM_DOMAIN_PATTERN, DKIM_SELECTOR_PATTERN, generateDkimKeys } from '../workers/dkim.js';
import { createQueues } from '../workers/queues.js';
import {
  AccountService,
  ApiTokenService,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  type Problems,
} from './services/accounts/index.js';
import { CampaignService, type CampaignProgress } from './services/campaigns/index.js';
import { classifyBounce } from './services/bounces/index.js';
import type { Actor } from './services/context.js';
import { EditionService } from './services/editions/index.js';
import { IndicatorService } from './services/indicators/index.js';
import { OrganisationService } from './services/organisation/index.js';
import { OperatorDatabase } from './services/operations/index.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { embeddedRedisUrl } from './infra/redis.js';
import { Secrets } from './infra/security.js';

const HELP = `landpost — operator commands

Usage: npx landpost <command> [options]

Commands:
  migrate                               apply database migrations (also done at every start)
  token create --name NAME [--role R]   create an API token (printed once; R: admin|editor|viewer)
  token list                            list API tokens (never the tokens themselves)
  token revoke --id ID                  revoke an API token
  backup [--out FILE]                   online copy of the SQLite database
  admin create --email E --password P [--name N] [--role R]
                                        create an admin UI account (R: admin|editor|viewer; default admin)
  campaign send ID                      start a campaign and show its progress until it is done
                                        (the app or a worker must be running: npm start)
  campaign status ID                    print a campaign's state and its deliveries by status
  bounce classify FILE…                 classify returned mails: one JSON line per file (hard, soft,
                                        complaint, auto-reply, delivered or unknown, with the reason)
  dkim generate [--selector S] [--domain D] [--out FILE]
                                        a new RSA-2048 DKIM key: prints the private key (or writes
                                        it to FILE, readable by the owner only) and the DNS TXT
                                        record to publish (D: DKIM_DOMAIN or the MAIL_FROM domain)
  report --out FILE [--from DAY] [--to DAY]
                                        the funder's report (PDF) for a period of Berlin days
                                        (YYYY-MM-DD; default: the programme period)
  --help                                this text

Configuration comes from the environment (see README: PORT, DATA_DIR, REDIS_URL, SMTP_URL, …).`;

export async function runCli(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        name: { type: 'string' },
        role: { type: 'string', default: 'admin' },
        id: { type: 'string' },
        'poll-ms': { type: 'string', default: '1000' },
        out: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        selector: { type: 'string' },
        domain: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
      },
    });
  } catch (err) {
    out(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub] = positionals;
  if (values.help || !command) {
    out(HELP);
    return command || values.help ? 0 : 2;
  }
  const known = [
    'migrate',
    'token create',
    'token list',
    'token revoke',
    'backup',
    'admin create',
    'campaign send',
    'campaign status',
    'bounce classify',
    'dkim generate',
    'report',
  ];
  if (!known.includes(`${command}${sub ? ` ${sub}` : ''}`)) {
    out(`unknown command "${positionals.join(' ')}"\n\n${HELP}`);
    return 2;
  }
  // Reads mail files only: no configuration, no database.
  if (command === 'bounce') return classifyBounceFiles(positionals.slice(2), out);
  // Makes a key only: the DKIM settings may be half done while the key does not exist yet.
  if (command === 'dkim') return generateDkim(values, out);
  const config = loadConfig();
  const database = OperatorDatabase.open(config);
  try {
    // Accounts and tokens need the database and the secrets only: no Redis for these chores.
    const ctx = { db: database.db, config, secrets: new Secrets(config.secretKey) };
    const accounts = new AccountService(ctx);
    const apiTokens = new ApiTokenService(ctx);
    const cli: Actor = { kind: 'cli' };
    switch (`${command}${sub ? ` ${sub}` : ''}`) {
      case 'migrate':
        out(`database is up to date: ${config.databaseFile}`);
        return 0;
      case 'token create': {
        const result = apiTokens.create({ name: values.name ?? '', role: values.role }, cli);
        if (result.kind === 'invalid') {
          problems(result.errors, out, {
            name: 'token create needs --name NAME (one line, at most 100 characters, no < or >)',
          });
          return 2;
        }
        const { apiToken } = result;
        out(
          `Created API token #${apiToken.id} "${apiToken.name}" (${apiToken.role}). It is shown only this once:`,
        );
        out(result.token);
        return 0;
      }
      case 'token list':
        for (const t of apiTokens.list()) {
          out(
            `#${t.id}\t${t.prefix}…\t${t.role}\t${t.name}\t${t.revokedAt ? 'revoked' : t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toISOString()}` : 'never used'}`,
          );
        }
        return 0;
      case 'token revoke': {
        const id = Number(values.id);
        if (!Number.isInteger(id) || !apiTokens.revoke(id, cli)) {
          out('no active token with that --id');
          return 1;
        }
        out(`revoked token #${id}`);
        return 0;
      }
      case 'admin create': {
        const result = await accounts.createUser(
          {
            email: values.email ?? '',
            name: values.name,
            role: values.role,
            password: values.password ?? '',
          },
          cli,
        );
        if (result.kind === 'invalid') {
          const { errors, values: given } = result;
          const exists = errors.email === 'users.exists';
          problems(errors, out, {
            email: exists
              ? `an account for ${given.email} exists already`
              : 'admin create needs --email with a valid address',
            name: '--name: one line, at most 100 characters, no < or >',
          });
          // An existing account is not a usage error.
          return exists && Object.keys(errors).length === 1 ? 1 : 2;
        }
        const { user } = result;
        out(
          `created ${user.role} account #${user.id} for ${user.email}; log in at ${config.publicUrl}/admin/login`,
        );
        return 0;
      }
      case 'backup': {
        out(`backup written: ${await database.backup(values.out)}`);
        return 0;
      }
      case 'report':
        return await reportCommand(ctx, values, out);
      case 'campaign send':
      case 'campaign status':
        return await campaignCommand(sub, positionals[2], {
          config,
          database,
          out,
          pollMs: Number(values['poll-ms']) || 1000,
        });
      default:
        out(`unknown command "${command}${sub ? ` ${sub}` : ''}"\n\n${HELP}`);
        return 2;
    }
  } finally {
    database.close();
  }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
};

/**
 * `bounce classify FILE…`: one JSON line per file. A file that cannot be read gets a line of kind
 * "unknown" with the error, and the exit code is 1 once all files are done.
 */
async function classifyBounceFiles(files: string[], out: (line: string) => void): Promise<number> {
  if (files.length === 0) {
    out(`bounce classify needs at least one FILE\n\n${HELP}`);
    return 2;
  }
  let failed = false;
  for (const file of files) {
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch (err) {
      failed = true;
      const { code, message } = err as NodeJS.ErrnoException;
      out(
        JSON.stringify({
          file,
          kind: 'unknown',
          reason: null,
          status: null,
          recipient: null,
          error: READ_ERRORS[code ?? ''] ?? message,
        }),
      );
      continue;
    }
    const { kind, reason, status, recipient } = await classifyBounce(raw);
    out(JSON.stringify({ file, kind, reason, status, recipient }));
  }
  return failed ? 1 : 0;
}

/**
 * `dkim generate`: a new key pair. The selector defaults to DKIM_SELECTOR or `lpYYYYMM` (a new
 * selector per key lets the old record stay until mail signed with it has arrived), the domain
 * to DKIM_DOMAIN or the domain of MAIL_FROM.
 */
function generateDkim(
  values: { selector?: string; domain?: string; out?: string },
  out: (line: string) => void,
): number {
  const now = new Date();
  const selector =
    values.selector ??
    process.env.DKIM_SELECTOR ??
    `lp${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const domain = (
    values.domain ??
    process.env.DKIM_DOMAIN ??
    /@([^<>\s@]+?)>?\s*$/.exec(process.env.MAIL_FROM ?? '')?.[1] ??
    ''
  ).toLowerCase();
  if (!DKIM_SELECTOR_PATTERN.test(selector)) {
    out('--selector must be a DNS label, e.g. news2026');
    return 2;
  }
  if (!DKIM_DOMAIN_PATTERN.test(domain)) {
    out('dkim generate needs --domain D: the domain in the From address, e.g. landnetz.example');
    return 2;
  }
  const keys = generateDkimKeys(selector, domain);
  const file = values.out ? resolve(values.out) : undefined;
  if (file) {
    if (existsSync(file)) {
      out(`${file} exists already: choose another --out, an old key stays as it is`);
      return 1;
    }
    writeFileSync(file, keys.privateKeyPem, { mode: 0o600 });
    out(`Private key written to ${file} (readable by its owner only).`);
  } else {
    out(
      'Private key: store it where Landpost can read it, e.g. in DATA_DIR, readable by Landpost only:',
    );
    out('');
    out(keys.privateKeyPem.trimEnd());
  }
  out('');
  out('Publish this DNS TXT record:');
  out('');
  out(keys.txtRecord);
  out('');
  out('Once the record can be looked up, set and restart Landpost:');
  out(`  DKIM_DOMAIN=${domain}`);
  out(`  DKIM_SELECTOR=${selector}`);
  out(`  DKIM_PRIVATE_KEY=${file ?? '/path/to/the/private-key.pem'}`);
  return 0;
}

/** `report --out FILE [--from DAY] [--to DAY]`: the funder's report as a PDF file. */
async function reportCommand(
  ctx: { db: OperatorDatabase['db']; config: Config },
  values: { from?: string; to?: string; out?: string },
  out: (line: string) => void,
): Promise<number> {
  if (!values.out) {
    out(
      'report needs --out FILE, e.g. npx landpost report --from 2017-03-01 --to 2017-12-31 --out bericht.pdf',
    );
    return 2;
  }
  const indicators = new IndicatorService(ctx, new OrganisationService(ctx));
  const result = indicators.period({ from: values.from, to: values.to });
  if (result.kind === 'invalid') {
    for (const name of Object.keys(result.errors))
      out(
        result.errors[name] === 'indicators.errors.toBeforeFrom'
          ? '--to is before --from'
          : `--${name} must be a day, YYYY-MM-DD`,
      );
    return 2;
  }
  const file = resolve(values.out);
  writeFileSync(file, await indicators.report(result.period));
  const { from, to } = result.period;
  out(`report for ${from} to ${to} written: ${file}`);
  for (const i of indicators.values(result.period)) out(`  ${i.label}: ${i.value} of ${i.target}`);
  return 0;
}

/** A service's field problems as the CLI's options name them. */
function problems(errors: Problems, out: (line: string) => void, own: Record<string, string>) {
  const shared: Record<string, string> = {
    role: '--role must be admin, editor or viewer',
    password: `--password: at least ${MIN_PASSWORD_LENGTH} and at most ${MAX_PASSWORD_LENGTH} characters`,
  };
  for (const name of Object.keys(errors))
    out(own[name] ?? shared[name] ?? `--${name} is not valid`);
}

const isMain =
  process.argv[1] &&
  import.meta.url.endsWith(process.argv[1].replace(/^.*\/(server\/cli\.ts)$/, '$1'));
if (isMain) {
  runCli(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      console.error(
        `landpost: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`,
      );
      process.exit(1);
    });
}

const quietLog = { info: () => {}, warn: () => {}, error: () => {} };

/** `[#####-----] 50%`: a progress bar of `width` characters. */
export function progressBar(done: number, total: number, width = 24): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%`;
}

/** One line of a campaign's progress, as `campaign send` and `campaign status` print it. */
export function progressLine(p: CampaignProgress): string {
  const { counts } = p;
  const done = counts.sent + counts.failed + counts.bounced + counts.skipped;
  const total = p.audienceCount || done + counts.queued;
  const parts = [
    `${progressBar(done, total)} ${counts.sent}/${total} sent`,
    `${counts.failed} failed`,
    `${counts.bounced} bounced`,
    `${counts.skipped} skipped`,
  ];
  if (counts.uncertain) parts.push(`${counts.uncertain} uncertain`);
  if (p.status === 'sending') {
    parts.push(`${p.perMinute}/min`);
    if (p.secondsLeft !== null) parts.push(`about ${Math.ceil(p.secondsLeft / 60)} min left`);
  }
  return `campaign #${p.id} ${p.status}: ${parts.join(', ')}${p.pauseReason ? ` (${p.pauseReason})` : ''}`;
}

/**
 * `campaign send ID`: start it and print its progress until it is sent, paused or cancelled;
 * `campaign status ID`: print it once. Sending needs the app's Redis (REDIS_URL, or the embedded
 * one of a running `npm start`) and a running worker.
 */
async function campaignCommand(
  sub: string | undefined,
  rawId: string | undefined,
  deps: {
    config: Config;
    database: OperatorDatabase;
    out: (line: string) => void;
    pollMs?: number;
  },
): Promise<number> {
  const { config, out } = deps;
  const id = Number(rawId);
  if (!rawId || !Number.isSafeInteger(id) || id < 1) {
    out(`campaign ${sub} needs a campaign id: npx landpost campaign ${sub} ID`);
    return 2;
  }
  const redisUrl = config.redisUrl ?? embeddedRedisUrl(join(config.dataDir, 'redis'));
  if (sub === 'send' && !redisUrl) {
    out('Landpost is not running: start it first (npm start), or set REDIS_URL to its Redis');
    return 1;
  }
  const queues = createQueues(redisUrl ?? 'redis://127.0.0.1:1', config.queuePrefix, () => {});
  try {
    const ctx = {
      db: deps.database.db,
      config,
      secrets: new Secrets(config.secretKey),
      queues,
      log: quietLog,
    };
    const organisation = new OrganisationService(ctx);
    const campaigns = new CampaignService(
      ctx,
      organisation,
      new EditionService(ctx, organisation),
      new TrackingService(ctx),
    );
    if (!campaigns.find(id)) {
      out(`no campaign #${id}`);
      return 1;
    }
    if (sub === 'status') {
      out(progressLine(campaigns.progress(id)!));
      return 0;
    }
    const started = await campaigns.start(id, { kind: 'cli' });
    switch (started.kind) {
      case 'blocked':
        out(`not started: the pre-send check found problems:`);
        for (const check of started.checks) out(`  ${check.code}: ${check.message}`);
        return 1;
      case 'empty':
        out('not started: nobody in the audience who has not got this edition');
        return 1;
      case 'state':
        out(`campaign #${id} is ${started.status}: showing its progress`);
        break;
      case 'scheduled':
        out(`campaign #${id} is scheduled for ${new Date(started.at).toISOString()}`);
        return 0;
      case 'started':
        out(`campaign #${id} started: ${started.audience} deliveries`);
        break;
      default:
        out(`no campaign #${id}`);
        return 1;
    }
    let last = '';
    for (;;) {
      const progress = campaigns.progress(id)!;
      const line = progressLine(progress);
      if (line !== last) out(line);
      last = line;
      if (progress.status !== 'sending') return progress.status === 'sent' ? 0 : 1;
      await new Promise((r) => setTimeout(r, deps.pollMs ?? 1000));
    }
  } finally {
    await queues.close();
  }
}
