import { parseArgs } from 'node:util';
import { backupDatabase, migrateDatabase, openDatabase } from '../db/client.js';
import { recordAudit } from '../db/queries/audit.js';
import * as apiTokens from '../db/queries/api-tokens.js';
import * as users from '../db/queries/users.js';
import { hashPassword, MIN_PASSWORD_LENGTH, passwordProblem } from './services/accounts/index.js';
import { isValidEmail } from './services/subscribers/index.js';
import { ConfigError, loadConfig } from './config.js';
import { randomToken, sha256 } from './infra/security.js';

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
        out: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
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
  const known = ['migrate', 'token create', 'token list', 'token revoke', 'backup', 'admin create'];
  if (!known.includes(`${command}${sub ? ` ${sub}` : ''}`)) {
    out(`unknown command "${positionals.join(' ')}"\n\n${HELP}`);
    return 2;
  }
  const config = loadConfig();
  const database = openDatabase(config.databaseFile);
  try {
    migrateDatabase(database);
    const db = database.db;
    switch (`${command}${sub ? ` ${sub}` : ''}`) {
      case 'migrate':
        out(`database is up to date: ${config.databaseFile}`);
        return 0;
      case 'token create': {
        const role = values.role;
        if (!values.name || !values.name.trim()) {
          out('token create needs --name NAME');
          return 2;
        }
        if (role !== 'admin' && role !== 'editor' && role !== 'viewer') {
          out('--role must be admin, editor or viewer');
          return 2;
        }
        const token = `lp_${randomToken()}`;
        const row = apiTokens.createApiToken(
          {
            name: values.name.trim().slice(0, 100),
            role,
            tokenHash: sha256(token),
            prefix: token.slice(0, 9),
          },
          db,
        );
        out(
          `Created API token #${row.id} "${row.name}" (${row.role}). It is shown only this once:`,
        );
        out(token);
        return 0;
      }
      case 'token list':
        for (const t of apiTokens.listApiTokens(db)) {
          out(
            `#${t.id}\t${t.prefix}…\t${t.role}\t${t.name}\t${t.revokedAt ? 'revoked' : t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toISOString()}` : 'never used'}`,
          );
        }
        return 0;
      case 'token revoke': {
        const id = Number(values.id);
        if (!Number.isInteger(id) || !apiTokens.revokeApiToken(id, Date.now(), db)) {
          out('no active token with that --id');
          return 1;
        }
        out(`revoked token #${id}`);
        return 0;
      }
      case 'admin create': {
        const email = (values.email ?? '').trim().toLowerCase();
        const role = values.role;
        if (!isValidEmail(email)) {
          out('admin create needs --email with a valid address');
          return 2;
        }
        if (role !== 'admin' && role !== 'editor' && role !== 'viewer') {
          out('--role must be admin, editor or viewer');
          return 2;
        }
        const problem = passwordProblem(values.password ?? '');
        if (problem) {
          out(`--password: at least ${MIN_PASSWORD_LENGTH} and at most 200 characters`);
          return 2;
        }
        if (users.findUserByEmail(email, db)) {
          out(`an account for ${email} exists already`);
          return 1;
        }
        const user = users.createUser(
          {
            email,
            name: (values.name ?? '').trim().slice(0, 100),
            role,
            passwordHash: await hashPassword(values.password!),
          },
          db,
        );
        recordAudit(
          {
            actor: 'cli',
            action: 'create',
            entity: 'user',
            entityId: String(user.id),
            details: { role },
          },
          db,
        );
        out(
          `created ${role} account #${user.id} for ${email}; log in at ${config.publicUrl}/admin/login`,
        );
        return 0;
      }
      case 'backup': {
        const target =
          values.out ??
          `${config.dataDir}/backup-${new Date().toISOString().replace(/[:.]/g, '-')}.sqlite`;
        await backupDatabase(database, target);
        out(`backup written: ${target}`);
        return 0;
      }
      default:
        out(`unknown command "${command}${sub ? ` ${sub}` : ''}"\n\n${HELP}`);
        return 2;
    }
  } finally {
    database.close();
  }
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
