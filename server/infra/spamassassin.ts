import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { asciiRecipient, headerSafe, type OutgoingMessage } from '../../workers/mailer.js';
import { commandEnv } from '../config.js';
import { findExecutable } from './system-packages.js';

/** One SpamAssassin rule the message hit, as its report lists it. */
export interface SpamRule {
  rule: string;
  /** Points the rule added (negative rules lower the score). */
  score: number;
  /** The rule's description, its area prefix ("BODY: ", "URI: ") and details included. */
  description: string;
}

export interface SpamScore {
  score: number;
  /** The score at which SpamAssassin calls a message spam (5.0 unless the site changed it). */
  required: number;
  isSpam: boolean;
  /** Highest score first, so the rules that hurt most lead. */
  rules: SpamRule[];
}

export class SpamAssassinError extends Error {
  constructor(
    message: string,
    readonly reason: 'failed' | 'timeout' | 'unreadable',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SpamAssassinError';
  }
}

const DEFAULT_TIMEOUT_MS = 20_000;
/** The output repeats the whole message; only its head (headers) and tail (report) are read. */
const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 64 * 1024;
const STDERR_BYTES = 4 * 1024;

/** The spamassassin binary, or undefined: the app scores only where the operator installed it. */
export function findSpamAssassin(): string | undefined {
  return findExecutable('spamassassin');
}

/** The raw RFC 822 message the mailer would send for this mail (multipart/alternative). */
export async function composeRawMessage(
  message: Pick<OutgoingMessage, 'from' | 'to' | 'subject' | 'html' | 'text' | 'headers'>,
): Promise<Buffer> {
  const composer = new MailComposer({
    from: message.from,
    to: asciiRecipient(message.to),
    subject: headerSafe(message.subject),
    html: message.html,
    text: message.text,
    headers: message.headers,
  });
  return composer.compile().build();
}

/**
 * Score a raw message with `spamassassin -L -t`: local tests only (no DNS blocklists, no
 * network), the rules Debian ships. A spammy message is a result, never an error; a binary
 * that fails or runs past the timeout throws SpamAssassinError.
 */
export async function scoreMessage(
  raw: string | Buffer,
  opts: { timeoutMs?: number; binary?: string } = {},
): Promise<SpamScore> {
  const binary = opts.binary ?? findSpamAssassin();
  if (!binary) throw new SpamAssassinError('spamassassin is not installed', 'failed');
  // User preferences and Bayes files follow $HOME: a private HOME, removed afterwards, keeps them
  // out of the account's home (which may not exist); -x creates no preferences file at all.
  const home = await mkdtemp(join(tmpdir(), 'landpost-spamassassin-'));
  try {
    const output = await run(binary, ['-L', '-t', '-x'], raw, {
      env: commandEnv({ HOME: home }),
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    return parseSpamReport(output);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

function run(
  binary: string,
  args: string[],
  input: string | Buffer,
  opts: { env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also ends whatever a wrapper script started.
    const child = spawn(binary, args, { env: opts.env, detached: true });
    const head: Buffer[] = [];
    let headBytes = 0;
    let tail = Buffer.alloc(0);
    let total = 0;
    let stderr = Buffer.alloc(0);
    let settled = false;

    const finish = (error: SpamAssassinError | undefined, output?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(output ?? '');
    };
    const timer = setTimeout(() => {
      killGroup(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      finish(
        new SpamAssassinError(`spamassassin did not finish within ${opts.timeoutMs} ms`, 'timeout'),
      );
    }, opts.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (headBytes < HEAD_BYTES) {
        const part = chunk.subarray(0, HEAD_BYTES - headBytes);
        head.push(part);
        headBytes += part.length;
        chunk = chunk.subarray(part.length);
      }
      if (chunk.length > 0) tail = Buffer.concat([tail, chunk]).subarray(-TAIL_BYTES);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]).subarray(-STDERR_BYTES);
    });
    // The binary may exit without reading its input; the exit code tells what happened.
    child.stdin.on('error', () => {});
    child.on('error', (err) =>
      finish(
        new SpamAssassinError(`spamassassin could not start: ${err.message}`, 'failed', {
          cause: err,
        }),
      ),
    );
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const detail = stderr.toString('utf8').trim().split('\n').slice(-3).join(' | ');
        return finish(
          new SpamAssassinError(
            `spamassassin exited with ${signal ?? `code ${code}`}${detail ? `: ${detail}` : ''}`,
            'failed',
          ),
        );
      }
      const skipped = total - headBytes - tail.length;
      const text =
        Buffer.concat(head).toString('utf8') +
        (skipped > 0 ? '\n[…]\n' : '') +
        tail.toString('utf8');
      finish(undefined, text);
    });
    child.stdin.end(input);
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

const STATUS_HEADER = /^X-Spam-Status:(.*(?:\r?\n[ \t].*)*)/im;
const DETAILS_LINE =
  /^Content analysis details:\s+\((-?\d+(?:\.\d+)?) points, (-?\d+(?:\.\d+)?) required\)/;
/** A table row: the points right-aligned in four columns, the rule name, its description. */
const RULE_ROW = /^ {0,3}(-?\d+(?:\.\d+)?) +([A-Za-z0-9_.]+)(?: +(.*))?$/;

/**
 * Read the output of `spamassassin -t`: the X-Spam-Status header SpamAssassin puts on top and
 * the report it appends at the end (the last one: the message itself may quote a report).
 */
export function parseSpamReport(output: string): SpamScore {
  const headerBlock = output.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const status = STATUS_HEADER.exec(headerBlock)?.[1]?.replace(/\s+/g, ' ').trim();
  const lines = output.split(/\r?\n/);
  const reportStart = lines.findLastIndex((line) => line.startsWith('Content analysis details:'));
  const details = reportStart >= 0 ? DETAILS_LINE.exec(lines[reportStart] ?? '') : null;
  const score = Number(/\bscore=(-?\d+(?:\.\d+)?)/.exec(status ?? '')?.[1] ?? details?.[1]);
  const required = Number(/\brequired=(-?\d+(?:\.\d+)?)/.exec(status ?? '')?.[1] ?? details?.[2]);
  if (!Number.isFinite(score) || !Number.isFinite(required)) {
    throw new SpamAssassinError('spamassassin wrote no score', 'unreadable');
  }
  const tests = (/\btests=(\S*)/.exec(status ?? '')?.[1] ?? '')
    .split(',')
    .filter((name) => name && name !== 'none');
  const rules = reportStart >= 0 ? parseRuleTable(lines.slice(reportStart + 1)) : [];
  if (tests.length > 0 && rules.length === 0) {
    throw new SpamAssassinError('spamassassin wrote no rule table', 'unreadable');
  }
  rules.sort((a, b) => b.score - a.score || a.rule.localeCompare(b.rule));
  return {
    score: score === 0 ? 0 : score, // "-0.0" is shown for a tiny negative score
    required,
    isSpam: status ? /^Yes\b/i.test(status) : score >= required,
    rules,
  };
}

/** The rows below the dashed ruler, until the blank line that ends the table. */
function parseRuleTable(lines: string[]): SpamRule[] {
  const ruler = lines.findIndex((line) => /^-{4} -+ -+\s*$/.test(line));
  if (ruler < 0) return [];
  const rules: SpamRule[] = [];
  for (const line of lines.slice(ruler + 1)) {
    if (line.trim() === '') break;
    const row = RULE_ROW.exec(line);
    const last = rules[rules.length - 1];
    if (row) {
      // "-0.0" (a tiny negative score, rounded) is shown and kept as 0.
      const score = Number(row[1]) || 0;
      rules.push({ rule: row[2] ?? '', score, description: row[3]?.trim() ?? '' });
    } else if (/^\s/.test(line) && last) {
      // A wrapped description or a detail line ("[URIs: example.org]") of the row above.
      last.description = `${last.description} ${line.trim()}`;
    } else {
      break;
    }
  }
  return rules;
}
