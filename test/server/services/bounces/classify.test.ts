/**
 * Bounce classification: the 240 real bounce mails of expected.json against Sisimai's own
 * expectations, and one small hand-written mail per format family.
 */
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyBounce } from '../../../../server/services/bounces/index.js';
import { agreement, CORPUS, measure } from '../../../bench/bounce-corpus.js';
import { BOUNCE_REASONS } from '../../../../server/services/bounces/index.js';

/** A mail with CRLF line ends, as it arrives. */
const mail = (lines: string) => lines.replace(/^\n/, '').replace(/\n/g, '\r\n');

describe('the real bounce corpus (expected.json)', () => {
  it('agrees with Sisimai on hard vs soft for ≥ 95 % and on the reason for ≥ 85 % of the bounces', async () => {
    const outcomes = await measure('expected');
    const result = agreement(outcomes);
    expect(result.mails).toBe(240);
    expect(result.kind).toBeGreaterThanOrEqual(0.95);
    expect(result.hardSoft).toBeGreaterThanOrEqual(0.95);
    expect(result.reason).toBeGreaterThanOrEqual(0.85);
    // Vacation replies and delivery notices are never bounces; complaints are all recognised.
    expect(result.notBouncesCountedAsBounces).toBe(0);
    expect(result.complaints.recognised).toBe(result.complaints.expected);
    expect(result.complaints.expected).toBeGreaterThan(10);
    for (const o of outcomes.filter((o) => ['auto-reply', 'delivered'].includes(o.expectedKind))) {
      expect(o.result.kind, o.expectation.file).toBe(o.expectedKind);
    }
  }, 120_000);
});

describe('RFC 3464 delivery reports', () => {
  const report = (action: string, status: string, diagnostic: string) =>
    mail(`
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: news@landpost.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; Anna.Leser@Example.net
Original-Recipient: rfc822;anna.leser@example.net
Action: ${action}
Status: ${status}
Diagnostic-Code: smtp; ${diagnostic}

--b1
Content-Type: message/rfc822

From: news@landpost.example
To: anna.leser@example.net
Subject: Ausgabe 12

Hello
--b1--
`);

  it('an unknown mailbox is a hard bounce with its status and recipient', async () => {
    const result = await classifyBounce(
      report(
        'failed',
        '5.1.1',
        '550 5.1.1 <anna.leser@example.net>: Recipient address rejected: User unknown in local recipient table',
      ),
    );
    expect(result).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      status: '5.1.1',
      recipient: 'anna.leser@example.net',
    });
  });

  it('a full mailbox is a soft bounce', async () => {
    const result = await classifyBounce(
      report('failed', '5.2.2', '552 5.2.2 Mailbox full: quota exceeded'),
    );
    expect(result).toMatchObject({ kind: 'soft', reason: 'mailbox-full', status: '5.2.2' });
  });

  it('a delayed message is soft, never hard', async () => {
    const result = await classifyBounce(
      report('delayed', '4.4.7', '421 4.4.7 Connection timed out, still trying'),
    );
    expect(result).toMatchObject({ kind: 'soft', reason: 'expired', status: '4.4.7' });
  });

  it('a listed sending IP is soft and says "blocked"', async () => {
    const result = await classifyBounce(
      report(
        'failed',
        '5.7.1',
        '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org',
      ),
    );
    expect(result).toMatchObject({ kind: 'soft', reason: 'blocked' });
  });

  it('4.7.1 holds our sending server back: blocked, whatever general words follow', async () => {
    const result = await classifyBounce(
      report('delayed', '4.7.1', '451 4.7.1 Try again later, local policy'),
    );
    expect(result).toMatchObject({ kind: 'soft', reason: 'blocked', status: '4.7.1' });
  });

  it('a delivered notice (Action: delivered) is not a bounce', async () => {
    const result = await classifyBounce(report('delivered', '2.0.0', '250 2.0.0 OK queued'));
    expect(result).toMatchObject({
      kind: 'delivered',
      reason: null,
      status: '2.0.0',
      recipient: 'anna.leser@example.net',
    });
  });
});

describe('phrases of receiving servers, where the status code says little', () => {
  /** A Postfix bounce (no delivery report) quoting the remote server's reply. */
  const postfix = (reply: string, command: string) =>
    mail(`
From: MAILER-DAEMON@mail.landpost.example (Mail Delivery System)
To: news@landpost.example
Subject: Undelivered Mail Returned to Sender
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.landpost.example.

<ines@example.it>: host mx.example.it[192.0.2.40] said: ${reply} (in reply to
    ${command} command)
`);

  it.each([
    ['550 Nessun utente simile in questo indirizzo', 'RCPT TO', 'hard', 'user-unknown'],
    ['552 Disc quota exceeded', 'RCPT TO', 'soft', 'mailbox-full'],
    ['550 Too many spams from your IP', 'MAIL FROM', 'soft', 'blocked'],
    ['554 Your message failed several antispam checks', 'end of DATA', 'soft', 'spam-content'],
    [
      '553 Domain of sender address news@landpost.example does not exist',
      'RCPT TO',
      'soft',
      'policy',
    ],
    ['451 Greylisted, please try again in 300 seconds', 'RCPT TO', 'soft', 'spam-content'],
    ['550 Mailbox unavailable or access denied', 'RCPT TO', 'soft', 'suspended'],
    // Reply codes that say it alone: 525 a disabled account, 502 a command not understood.
    ['525 Access to this mailbox is closed', 'RCPT TO', 'soft', 'suspended'],
    ['502 Command not implemented', 'MAIL FROM', 'soft', 'syntax'],
  ])('"%s" after %s is %s, %s', async (reply, command, kind, reason) => {
    const result = await classifyBounce(postfix(reply, command));
    expect(result).toMatchObject({ kind, reason, recipient: 'ines@example.it' });
  });
});

describe('providers and mailbox programs', () => {
  /** A delivery report from our own MTA about a reply of the receiving server. */
  const report = (recipient: string, remote: string, status: string, diagnostic: string) =>
    mail(`
From: Mail Delivery System <MAILER-DAEMON@mail.landpost.example>
To: news@landpost.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.landpost.example

Final-Recipient: rfc822; ${recipient}
Action: failed
Status: ${status}
Remote-MTA: dns; ${remote}
Diagnostic-Code: smtp; ${diagnostic}

--b1--
`);

  it.each([
    // Cox documents its codes: CXBL is the sending IP on Cox's block list.
    ['jo@cox.net', 'mx.east.cox.net', '5.0.0', '554 AUP#CXBL ip blocked', 'soft', 'blocked'],
    // Orange and La Poste end their replies with a numbered code; 417 is a full mailbox.
    [
      'jo@orange.fr',
      'smtp-in.orange.fr',
      '5.0.0',
      '552 Boite du destinataire OFR_417',
      'soft',
      'mailbox-full',
    ],
    // Exchange Online: the same "message expired" means a network failure under 5.4.316.
    [
      'jo@example.com',
      'example-com.mail.protection.outlook.com',
      '5.4.316',
      '550 5.4.316 Message expired, connection refused',
      'soft',
      'network',
    ],
    // Facebook's RCP-P2: the recipient's preferences, not a dead address.
    [
      'jo@facebook.com',
      'mx.facebook.com',
      '5.1.1',
      '550 5.1.1 RCP-P2 Refused due to recipient preferences',
      'soft',
      'policy',
    ],
    // Zoho's spam verdict refuses the sender, it says nothing about the content.
    [
      'jo@zoho.com',
      'mx.zoho.com',
      '5.7.1',
      '554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.',
      'soft',
      'policy',
    ],
    // Google's own words for a disabled account.
    [
      'jo@google.com',
      'aspmx.l.google.com',
      '5.2.1',
      '550 5.2.1 The email account that you tried to reach is disabled',
      'soft',
      'suspended',
    ],
  ])(
    '%s via %s: "%s %s" is %s, %s',
    async (recipient, remote, status, diagnostic, kind, reason) => {
      const result = await classifyBounce(report(recipient, remote, status, diagnostic));
      expect(result).toMatchObject({ kind, reason, recipient });
    },
  );

  it('the same code from another provider means nothing special', async () => {
    const result = await classifyBounce(
      report('jo@example.org', 'mx.example.org', '5.0.0', '554 AUP#CXBL ip blocked'),
    );
    expect(result.reason).not.toBe('blocked');
  });

  it('a mailbox program that does not know the user is a hard bounce; one that fails is a system error', async () => {
    const said = (words: string) =>
      classifyBounce(report('kai@example.net', 'mx.example.net', '5.0.0', words));
    expect(await said('mail.local: unknown user: kai')).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
    });
    expect(await said('procmail: Quota exceeded while writing "/var/mail/kai"')).toMatchObject({
      kind: 'soft',
      reason: 'mailbox-full',
    });
    expect(await said('maildrop: Unable to open mailbox.')).toMatchObject({
      kind: 'soft',
      reason: 'system',
    });
  });
});

describe("mail server software's own wording", () => {
  const plain = (from: string, subject: string, body: string) =>
    mail(`
From: ${from}
To: news@landpost.example
Subject: ${subject}

${body}
`);

  it('qmail that finds no host for the domain: the domain is unknown, a hard bounce', async () => {
    const result = await classifyBounce(
      plain(
        'MAILER-DAEMON@mx.landpost.example',
        'failure notice',
        `Hi. This is the qmail-send program at mx.landpost.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<lou@example.invalid>:
Sorry, I couldn't find any host named example.invalid. (#5.1.2)`,
      ),
    );
    expect(result).toMatchObject({
      kind: 'hard',
      reason: 'host-unknown',
      recipient: 'lou@example.invalid',
    });
  });

  it('"user unknown" from Domino, which says so for missing users, is hard; from an unknown gateway it may be a filter', async () => {
    const body = `Your message

  Subject: Ausgabe 5

was not delivered to:

  kai@example.jp

because:

  User kai (kai@example.jp) not listed in Domino Directory`;
    expect(
      await classifyBounce(
        plain(
          'Postmaster@example.jp',
          'DELIVERY FAILURE: User kai (kai@example.jp) not listed',
          body,
        ),
      ),
    ).toMatchObject({ kind: 'hard', reason: 'user-unknown', recipient: 'kai@example.jp' });
    expect(
      await classifyBounce(
        plain(
          'MAILER-DAEMON@gw.example.jp',
          'Returned mail',
          'Your message was not delivered to kai@example.jp [User unknown]',
        ),
      ),
    ).toMatchObject({ kind: 'soft', reason: 'policy', recipient: 'kai@example.jp' });
  });

  it("Exchange's enhanced status text names the reason even without a status code", async () => {
    const result = await classifyBounce(
      plain(
        'postmaster@example.com',
        'Undeliverable: Ausgabe 4',
        `Delivery has failed to these recipients or groups:

pia@example.com
Your message could not be delivered.

Diagnostic information for administrators:
Remote Server returned '550 RESOLVER.ADR.RecipLimit'`,
      ),
    );
    expect(result).toMatchObject({ kind: 'soft', reason: 'blocked', recipient: 'pia@example.com' });
  });

  it('Exim refused at a pipelined RCPT: an unknown user is hard', async () => {
    const result = await classifyBounce(
      plain(
        'Mail Delivery System <Mailer-Daemon@relay.landpost.example>',
        'Mail delivery failed: returning message to sender',
        `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  ute@example.org
    host mx.example.org [192.0.2.8]
    SMTP error from remote mail server after pipelined RCPT TO:<ute@example.org>:
    550 Unknown user`,
      ),
    );
    expect(result).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      recipient: 'ute@example.org',
    });
  });

  it('cPanel\'s Exim names the command after "for": an unknown user at RCPT is hard', async () => {
    const result = await classifyBounce(
      plain(
        'Mail Delivery System <Mailer-Daemon@host.landpost.example>',
        'Mail delivery failed: returning message to sender',
        `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  vera@example.org
    SMTP error from remote server for RCPT TO command, host: mx.example.org (192.0.2.3) reason: 550 No such user here`,
      ),
    );
    expect(result).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      recipient: 'vera@example.org',
    });
  });

  it('Exim that gave up retrying: expired, soft', async () => {
    const result = await classifyBounce(
      plain(
        'Mail Delivery System <Mailer-Daemon@relay.landpost.example>',
        'Mail delivery failed: returning message to sender',
        `This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  mo@example.org
    retry timeout exceeded`,
      ),
    );
    expect(result).toMatchObject({ kind: 'soft', reason: 'expired', recipient: 'mo@example.org' });
  });

  it('the old Gmail bounce: "(state 13)" means the greeting was refused, our server is blocked', async () => {
    const result = await classifyBounce(
      plain(
        'Mail Delivery Subsystem <mailer-daemon@googlemail.com>',
        'Delivery Status Notification (Failure)',
        `Delivery to the following recipient failed permanently:

     nia@example.jp

Technical details of permanent failure:
Google tried to deliver your message, but it was rejected by the server for the recipient domain example.jp by mx.example.jp. [192.0.2.9].

The error that the other server returned was:
550 Bye (state 13).`,
      ),
    );
    expect(result).toMatchObject({ kind: 'soft', reason: 'blocked', recipient: 'nia@example.jp' });
  });
});

describe('plain-text bounces', () => {
  it('Postfix without a delivery report: recipient, status and reason from the text', async () => {
    const result = await classifyBounce(
      mail(`
From: MAILER-DAEMON@mail.landpost.example (Mail Delivery System)
To: news@landpost.example
Subject: Undelivered Mail Returned to Sender
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.landpost.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

                   The mail system

<bernd@example.com>: host mx.example.com[192.0.2.25] said: 550 5.1.1
    <bernd@example.com>: Recipient address rejected: User unknown (in reply to
    RCPT TO command)

--- Below this line is a copy of the message.

To: bernd@example.com
From: news@landpost.example
Subject: mailbox full, no such user, spam
`),
    );
    expect(result).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      status: '5.1.1',
      recipient: 'bernd@example.com',
    });
  });

  it('the same bounce with LF, CRLF or old-Mac CR line ends gives the same answer', async () => {
    const lines = [
      'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>',
      'To: news@landpost.example',
      'Subject: Returned mail: see transcript for details',
      '',
      '   ----- The following addresses had permanent fatal errors -----',
      '<ida@example.org>',
      '    (reason: 550 5.1.1 <ida@example.org>... User unknown)',
      '',
    ];
    for (const end of ['\n', '\r\n', '\r']) {
      expect(await classifyBounce(lines.join(end)), JSON.stringify(end)).toMatchObject({
        kind: 'hard',
        reason: 'user-unknown',
        status: '5.1.1',
        recipient: 'ida@example.org',
      });
    }
  });

  it('a delay notice quoting its report fields: the RFC 3463 label "network" is no reason, the delay is', async () => {
    const result = await classifyBounce(
      mail(`
From: postmaster@mx.example.com
To: news@landpost.example
Subject: Delivery Status Notification (Delay)

This is an automatically generated Delivery Status Notification.

Delivery to the following recipients has been delayed.

olga@example.net; Action: Delayed - The server will continue trying for up to 21 hours.

Reporting-MTA: dns; mx.example.com
Final-Recipient: rfc822; olga@example.net
Action: Delayed
Status: 4.4.0 (other or undefined network or routing status)
`),
    );
    expect(result).toMatchObject({
      kind: 'soft',
      reason: 'expired',
      recipient: 'olga@example.net',
    });
  });

  it('Exim: X-Failed-Recipients and a full mailbox after the SMTP transcript', async () => {
    const result = await classifyBounce(
      mail(`
From: Mail Delivery System <Mailer-Daemon@relay.example.org>
To: news@landpost.example
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: carla@example.de

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  carla@example.de
    host mx.example.de [192.0.2.7]
    SMTP error from remote mail server after RCPT TO:<carla@example.de>:
    552 Mailbox is full

------ This is a copy of the message, including all the headers. ------

Subject: Ausgabe 3
`),
    );
    expect(result).toMatchObject({
      kind: 'soft',
      reason: 'mailbox-full',
      status: null,
      recipient: 'carla@example.de',
    });
  });
});

describe('bounces that say little about themselves', () => {
  it('an empty envelope sender and "could not be delivered" make a bounce, whatever the subject; not in an auto-reply', async () => {
    const notice = (extra: string) =>
      mail(`
Return-Path: <>
From: no-reply@mail.example.jp
To: news@landpost.example
Subject: Mail${extra}

Your mail sent on: Thu, 29 Apr 2026 00:00:00 +0900
     Could not be delivered to: <rin@example.jp>
     As their mailbox is full.
`);
    expect(await classifyBounce(notice(''))).toMatchObject({
      kind: 'soft',
      reason: 'mailbox-full',
      recipient: 'rin@example.jp',
    });
    expect(await classifyBounce(notice('\nAuto-Submitted: auto-replied'))).toMatchObject({
      kind: 'auto-reply',
    });
    expect(await classifyBounce(notice(' (out of office)\nX-Autoreply: yes'))).toMatchObject({
      kind: 'auto-reply',
    });
  });

  it('a domain not found, reported with a temporary code, is a DNS failure for now: soft, network', async () => {
    const report = (status: string) =>
      mail(`
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: news@landpost.example
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: message/delivery-status

Final-Recipient: rfc822; sam@example.org
Action: failed
Status: ${status}
Diagnostic-Code: smtp; DNS Error: 1234 DNS type 'mx' lookup of example.org responded with code NXDOMAIN Domain name not found: example.org

--b1--
`);
    expect(await classifyBounce(report('4.0.0'))).toMatchObject({
      kind: 'soft',
      reason: 'network',
    });
    expect(await classifyBounce(report('5.1.2'))).toMatchObject({
      kind: 'hard',
      reason: 'host-unknown',
    });
  });
});

describe('provider formats', () => {
  it('qmail: the recipient line, the remote reply, and "user unknown" after DATA is a filter, not a dead address', async () => {
    // qmail says which command failed in its own words: "does not like recipient" after RCPT,
    // "failed after I sent the message" after DATA.
    const bounce = (refusal: string) =>
      mail(`
From: MAILER-DAEMON@mx.landpost.example
To: news@landpost.example
Subject: failure notice

Hi. This is the qmail-send program at mx.landpost.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<frieda@example.net>:
192.0.2.30 ${refusal}
Remote host said: 550 Unknown user frieda@example.net
Giving up on 192.0.2.30.

--- Below this line is a copy of the message.

Subject: Ausgabe 9
`);
    expect(await classifyBounce(bounce('does not like recipient.'))).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      recipient: 'frieda@example.net',
    });
    expect(await classifyBounce(bounce('failed after I sent the message.'))).toMatchObject({
      kind: 'soft',
      reason: 'policy',
      recipient: 'frieda@example.net',
    });
  });

  it('Amazon SES: a JSON bounce notification, hard for an unknown user', async () => {
    const notification = {
      notificationType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: 'gustav@example.org',
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
      },
    };
    const result = await classifyBounce(
      mail(`
From: no-reply@sns.amazonaws.com
To: news@landpost.example
Subject: AWS Notification Message
Content-Type: text/plain; charset=UTF-8

${JSON.stringify(notification)}
--
If you wish to stop receiving notifications from this topic, unsubscribe.
`),
    );
    expect(result).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      status: '5.1.1',
      recipient: 'gustav@example.org',
    });
  });

  it('a bounce forwarded by a gateway as an attachment is read from the attachment', async () => {
    const result = await classifyBounce(
      mail(`
From: gateway@relay.example.org
To: news@landpost.example
Subject: Returned mail: User unknown
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

----- The following addresses had permanent delivery errors -----

--outer
Content-Type: message/rfc822

From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
To: news@landpost.example
Subject: Returned mail: User unknown
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="inner"

--inner
Content-Type: text/plain

The original message was received at Mon, 1 Jun 2026 10:00:00 +0200

--inner
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: RFC822; hanna@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: SMTP; 550 5.1.1 <hanna@example.org>... User unknown

--inner--

--outer--
`),
    );
    expect(result).toMatchObject({
      kind: 'hard',
      reason: 'user-unknown',
      recipient: 'hanna@example.org',
    });
  });
});

describe('complaints and auto-replies', () => {
  it('an ARF feedback report is a complaint naming the complaining recipient', async () => {
    const result = await classifyBounce(
      mail(`
From: fbl@provider.example
To: abuse@landpost.example
Subject: Abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

This is an email abuse report.

--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ProviderFBL/1.0
Version: 1
Original-Rcpt-To: <dora@provider.example>

--arf
Content-Type: text/rfc822-headers

From: news@landpost.example
To: dora@provider.example
Subject: Ausgabe 7
--arf--
`),
    );
    expect(result).toMatchObject({
      kind: 'complaint',
      reason: null,
      recipient: 'dora@provider.example',
      feedbackType: 'abuse',
    });
  });

  it('a vacation reply (RFC 3834) is an auto-reply, not a bounce, even when it speaks of absence', async () => {
    const result = await classifyBounce(
      mail(`
From: Emil Example <emil@example.org>
To: news@landpost.example
Subject: Abwesenheitsnotiz: Ausgabe 7
Auto-Submitted: auto-replied
X-Autoreply: yes

Ich bin bis 14. Juli nicht im Büro; my mailbox is full of unread mail and
the user unknown to me will get an answer later.
`),
    );
    expect(result).toMatchObject({ kind: 'auto-reply', reason: null });
  });

  it('an iCloud vacation reply says so only in X-Apple-Action', async () => {
    const result = await classifyBounce(
      mail(`
From: Jan Example <jan@icloud.example>
To: news@landpost.example
Subject: Re: Ausgabe 7
X-Apple-Action: vacation

Thanks, I'm travelling until Monday.
`),
    );
    expect(result).toMatchObject({ kind: 'auto-reply', reason: null });
  });
});

describe('anything else', () => {
  it('random bytes and real bounces cut off anywhere give an answer, never an exception', async () => {
    const kinds = ['hard', 'soft', 'complaint', 'auto-reply', 'delivered', 'unknown'];
    const real = await Promise.all(
      ['0123', '0001', '0056', '0022', '0236'].map((n) =>
        readFile(join(CORPUS, 'mails', `${n}.eml`)),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
          fc.string({ maxLength: 2000 }),
          fc
            .tuple(fc.integer({ min: 0, max: real.length - 1 }), fc.double({ min: 0, max: 1 }))
            .map(([i, cut]) => real[i]!.subarray(0, Math.floor(real[i]!.length * cut))),
        ),
        async (input) => {
          const result = await classifyBounce(input);
          expect(kinds).toContain(result.kind);
          if (result.reason !== null) expect(BOUNCE_REASONS).toContain(result.reason);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('long runs of address characters, braces or indented blank lines take milliseconds, not minutes', async () => {
    const head =
      'From: MAILER-DAEMON@mx.example.org\nTo: news@landpost.example\nSubject: Undelivered Mail\n\n';
    for (const body of [
      '5.1.'.repeat(100_000),
      '{"Type": ' + '}'.repeat(100_000),
      '\n  '.repeat(100_000),
    ]) {
      const started = performance.now();
      const result = await classifyBounce(head + body);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(result).toMatchObject({ kind: 'soft', reason: 'other', recipient: null });
    }
  });

  it('garbage, an empty input and an ordinary mail are "unknown", without an exception', async () => {
    for (const input of [
      '',
      Buffer.from([0, 255, 1, 254, 13, 10, 13, 10, 0]),
      'no headers at all, just words',
      mail(`
From: friend@example.com
To: news@landpost.example
Subject: Lunch?

Shall we meet at noon?
`),
      // A reader's reply about a mistake is no bounce, nor is a service's notification.
      mail(`
From: Reader <reader@example.com>
To: news@landpost.example
Subject: Fehler im Newsletter: Link rejected by my browser

The link to the event in issue 12 is broken.
`),
      mail(`
From: Notifications <notifications@service.example>
To: news@landpost.example
Subject: Your export is ready

Download it within 24 hours.
`),
    ]) {
      const result = await classifyBounce(input);
      expect(result).toMatchObject({ kind: 'unknown', reason: null, recipient: null });
    }
  });
});
