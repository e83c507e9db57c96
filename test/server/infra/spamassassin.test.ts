import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  composeRawMessage,
  parseSpamReport,
  scoreMessage,
  SpamAssassinError,
  type SpamScore,
} from '../../../server/infra/spamassassin.js';
import { ensureDebianPackage } from '../../../server/infra/system-packages.js';

const log = (line: string) => console.log(line);

const site = 'https://www.stadtteilbuero-nord.de';
const politeNewsletter = {
  from: '"Stadtteilbüro Nord" <newsletter@stadtteilbuero-nord.de>',
  to: 'anna.schmidt@example.de',
  subject: 'Newsletter November: Herbstfest, Beratungszeiten und neue Kurse',
  text: [
    'Liebe Anna,',
    '',
    'im November laden wir herzlich zum Herbstfest im Nachbarschaftshaus ein. Am Samstag,',
    '14. November, gibt es ab 15 Uhr Kaffee, Kuchen und Musik.',
    '',
    'Die Sozialberatung findet weiterhin dienstags von 10 bis 12 Uhr statt. Neu ist ein',
    'Deutschkurs für Anfängerinnen und Anfänger am Donnerstagabend.',
    '',
    `Alle Termine: ${site}/termine`,
    '',
    'Viele Grüße',
    'Ihr Team vom Stadtteilbüro Nord',
    '',
    `Newsletter abbestellen: ${site}/abmelden?t=4f9c2a`,
    '',
  ].join('\n'),
  html: [
    '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Newsletter November</title></head><body>',
    '<p>Liebe Anna,</p>',
    '<p>im November laden wir herzlich zum <strong>Herbstfest</strong> im Nachbarschaftshaus ein. Am Samstag, 14. November, gibt es ab 15 Uhr Kaffee, Kuchen und Musik.</p>',
    '<p>Die Sozialberatung findet weiterhin dienstags von 10 bis 12 Uhr statt. Neu ist ein Deutschkurs für Anfängerinnen und Anfänger am Donnerstagabend.</p>',
    `<p><a href="${site}/termine">Alle Termine</a></p>`,
    '<p>Viele Grüße<br>Ihr Team vom Stadtteilbüro Nord</p>',
    `<p><a href="${site}/abmelden?t=4f9c2a">Newsletter abbestellen</a></p>`,
    '</body></html>',
  ].join('\n'),
  headers: {
    'List-Id': 'Stadtteilbuero Nord Newsletter <newsletter.stadtteilbuero-nord.de>',
    'List-Unsubscribe': `<${site}/abmelden?t=4f9c2a>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

const spammyMail = {
  from: 'WINNER <winner@cash-prizes.example.com>',
  to: 'someone@example.net',
  subject: 'FREE MONEY!!! CLICK NOW!!!',
  text: '',
  html: [
    '<html><body><font color=red size=7>FREE MONEY!!! CLICK NOW!!!</font>',
    '<p><b>YOU HAVE BEEN SELECTED!!! 100% FREE!!! NO RISK!!! ACT NOW!!! LIMITED TIME OFFER!!!</b></p>',
    '<p><a href="http://cash-prizes.example.com/claim">CLICK HERE TO CLAIM YOUR CASH!!!</a></p>',
    '</body></html>',
  ].join('\n'),
};

function printScore(name: string, result: SpamScore, ms: number): void {
  log(`${name}: score ${result.score} (required ${result.required}) in ${ms} ms`);
  for (const { rule, score, description } of result.rules) {
    log(`  ${score.toFixed(1).padStart(5)} ${rule.padEnd(24)} ${description}`);
  }
}

async function timedScore(raw: Buffer): Promise<{ result: SpamScore; ms: number }> {
  const started = performance.now();
  const result = await scoreMessage(raw);
  return { result, ms: Math.round(performance.now() - started) };
}

describe('scoreMessage with Debian SpamAssassin', () => {
  // SpamAssassin looks for the account's home directory itself (not $HOME) for its state.
  const accountPrefs = join(userInfo().homedir, '.spamassassin', 'user_prefs');
  let prefsBefore: boolean;

  beforeAll(() => {
    const started = performance.now();
    ensureDebianPackage({
      binary: 'spamassassin',
      pkg: 'spamassassin',
      alternative: '',
      log,
    });
    log(`spamassassin ready after ${Math.round(performance.now() - started)} ms`);
    prefsBefore = existsSync(accountPrefs);
  }, 600_000);

  it('scores a polite German newsletter below 1.0', async () => {
    const raw = await composeRawMessage(politeNewsletter);
    const head = raw.toString('utf8').split('\r\n\r\n', 1)[0] ?? '';
    expect(head).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(head).toMatch(/^Message-ID: <.+@stadtteilbuero-nord\.de>$/m);
    expect(head).toMatch(/^Date: /m);
    expect(head).toMatch(/^List-Unsubscribe: </m);

    const { result, ms } = await timedScore(raw);
    printScore('polite newsletter', result, ms);
    expect(result.score).toBeLessThan(1.0);
    expect(result.required).toBe(5);
    expect(result.isSpam).toBe(false);
  });

  it('scores an obvious spam mail clearly higher, its heaviest rules first', async () => {
    const raw = await composeRawMessage(spammyMail);
    expect(raw.toString('utf8')).toMatch(/^Content-Type: text\/html/m);

    const { result, ms } = await timedScore(raw);
    printScore('spammy mail', result, ms);
    expect(result.score).toBeGreaterThanOrEqual(2.5);
    const names = result.rules.map((r) => r.rule);
    expect(names).toEqual(
      expect.arrayContaining(['SUBJ_ALL_CAPS', 'MIME_HTML_ONLY', 'HTML_FONT_SIZE_HUGE']),
    );
    const scores = result.rules.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(result.rules[0]?.score).toBeGreaterThanOrEqual(1);
  });

  it('writes no preferences file into the home directory', () => {
    if (!prefsBefore) expect(existsSync(accountPrefs)).toBe(false);
  });
});

// A real `spamassassin -L -t` output (SpamAssassin 4.0.1, Debian 12): a mail from a freemail
// address with a link to an IP address, below the spam threshold.
const recordedReport = `X-Spam-Checker-Version: SpamAssassin 4.0.1 (2024-03-25) on vm
X-Spam-Level: **
X-Spam-Status: No, score=2.3 required=5.0 tests=FORGED_GMAIL_RCVD,
\tFREEMAIL_FROM,HTML_MESSAGE,MIME_HTML_ONLY,NORMAL_HTTP_TO_IP,
\tNO_RECEIVED,NO_RELAYS,TO_NO_BRKTS_HTML_ONLY autolearn=no
\tautolearn_force=no version=4.0.1
From: "Erika Muster" <erika.muster.1984@gmail.com>
To: info@example.org
Subject: Fotos vom Sommerfest
Date: Mon, 30 Nov 2026 06:00:00 +0000
Message-ID: <20261130060000.4711@mail.gmail.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body><p>Hallo zusammen,</p><p>die Fotos vom Sommerfest liegen hier: <a href="http://192.0.2.7/fotos">Fotos</a></p><p>Viele Grüße, Erika</p></body></html>
Spam detection software, running on the system "vm",
has NOT identified this incoming email as spam.  The original
message has been attached to this so you can view it or label
similar future email.  If you have any questions, see
@@CONTACT_ADDRESS@@ for details.

Content preview:  Hallo zusammen, die Fotos vom Sommerfest liegen hier: Fotos
   

Content analysis details:   (2.3 points, 5.0 required)

 pts rule name              description
---- ---------------------- --------------------------------------------------
-0.0 NO_RECEIVED            Informational: message has no Received headers
 0.0 FREEMAIL_FROM          Sender email is commonly abused enduser mail provider
                            [erika.muster.1984(at)gmail.com]
 1.0 FORGED_GMAIL_RCVD      'From' gmail.com does not match 'Received' headers
-0.0 NO_RELAYS              Informational: message was not relayed via SMTP
 0.2 NORMAL_HTTP_TO_IP      URI: URI host has a public dotted-decimal IPv4
                            address
 0.0 HTML_MESSAGE           BODY: HTML included in message
 0.1 MIME_HTML_ONLY         BODY: Message only has text/html MIME parts
 1.0 TO_NO_BRKTS_HTML_ONLY  To: lacks brackets and HTML only

`;

describe('parseSpamReport', () => {
  it('reads the score, the threshold and the rules with their wrapped descriptions', () => {
    const report = parseSpamReport(recordedReport);
    expect(report.score).toBe(2.3);
    expect(report.required).toBe(5);
    expect(report.isSpam).toBe(false);
    expect(report.rules).toEqual([
      {
        rule: 'FORGED_GMAIL_RCVD',
        score: 1,
        description: "'From' gmail.com does not match 'Received' headers",
      },
      { rule: 'TO_NO_BRKTS_HTML_ONLY', score: 1, description: 'To: lacks brackets and HTML only' },
      {
        rule: 'NORMAL_HTTP_TO_IP',
        score: 0.2,
        description: 'URI: URI host has a public dotted-decimal IPv4 address',
      },
      {
        rule: 'MIME_HTML_ONLY',
        score: 0.1,
        description: 'BODY: Message only has text/html MIME parts',
      },
      {
        rule: 'FREEMAIL_FROM',
        score: 0,
        description:
          'Sender email is commonly abused enduser mail provider [erika.muster.1984(at)gmail.com]',
      },
      { rule: 'HTML_MESSAGE', score: 0, description: 'BODY: HTML included in message' },
      {
        rule: 'NO_RECEIVED',
        score: 0,
        description: 'Informational: message has no Received headers',
      },
      {
        rule: 'NO_RELAYS',
        score: 0,
        description: 'Informational: message was not relayed via SMTP',
      },
    ]);
  });

  it('refuses an output without a score', () => {
    expect(() => parseSpamReport('From: a@example.org\n\nhello\n')).toThrow(SpamAssassinError);
  });
});

describe('scoreMessage with a binary that misbehaves', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lp-test-spamassassin-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  it('reads the report of a large message from the head and the tail of the output', async () => {
    // A 2 MB message body between SpamAssassin's headers and its report.
    const [headers, ...body] = recordedReport.split('\n\n');
    const output = join(dir, 'large-output.txt');
    await writeFile(output, [headers, 'x'.repeat(2_000_000), ...body].join('\n\n'));
    const binary = await script('large', `cat >/dev/null; cat '${output}'`);
    const result = await scoreMessage('Subject: hi\r\n\r\nhello\r\n', { binary });
    expect(result).toEqual(parseSpamReport(recordedReport));
  });

  it('gives up after the timeout with a SpamAssassinError', async () => {
    const binary = await script('slow', 'sleep 30');
    const started = performance.now();
    const error = await scoreMessage('Subject: hi\r\n\r\nhello\r\n', {
      binary,
      timeoutMs: 300,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SpamAssassinError);
    expect((error as SpamAssassinError).reason).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reports a failing binary with its error output', async () => {
    const binary = await script('broken', 'echo "config: cannot read rules" >&2; exit 2');
    const error = await scoreMessage('Subject: hi\r\n\r\nhello\r\n', { binary }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SpamAssassinError);
    expect((error as SpamAssassinError).reason).toBe('failed');
    expect((error as SpamAssassinError).message).toContain('cannot read rules');
  });
});
