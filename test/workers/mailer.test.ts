import { UnrecoverableError } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer, headerSafe, type Mailer } from '../../workers/mailer.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const message = {
  from: 'Landpost Test <newsletter@landpost.test>',
  to: 'erika@example.org',
  subject: 'Landpost Nr. 1',
  html: '<h1>Landpost Nr. 1</h1><p>Neues aus der Region.</p>',
  text: 'Landpost Nr. 1\n\nNeues aus der Region.',
};

describe('createSmtpMailer', () => {
  let sink: SmtpSink;
  let mailer: Mailer;

  beforeAll(async () => {
    sink = await startSmtpSink();
    mailer = createSmtpMailer(sink.url);
  });

  afterEach(() => sink.clear());

  afterAll(async () => {
    mailer.close();
    await sink.close();
  });

  it('delivers the message with its headers and envelope sender', async () => {
    const sent = await mailer.send({
      ...message,
      envelopeFrom: 'bounces+42@landpost.test',
      headers: {
        'List-Unsubscribe': '<https://landpost.test/u/tok>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
    expect(sent.accepted).toEqual(['erika@example.org']);

    const mail = await sink.waitFor((m) => m.envelopeTo.includes('erika@example.org'));
    expect(mail.envelopeFrom).toBe('bounces+42@landpost.test');
    expect(mail.from).toBe('"Landpost Test" <newsletter@landpost.test>');
    expect(mail.to).toEqual(['erika@example.org']);
    expect(mail.subject).toBe('Landpost Nr. 1');
    expect(mail.html).toContain('<p>Neues aus der Region.</p>');
    expect(mail.text?.trim()).toBe(message.text);
    expect(mail.headers.get('list-unsubscribe')).toBe('<https://landpost.test/u/tok>');
    expect(mail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.headers.get('message-id')).toBe(sent.messageId);
  });

  it('keeps its connections open: ten messages in a row arrive over at most three', async () => {
    for (let i = 0; i < 10; i++)
      await mailer.send({
        from: 'Landpost <newsletter@landpost.test>',
        to: `pool${i}@example.org`,
        subject: `Nr. ${i}`,
        html: '<p>Hallo</p>',
        text: 'Hallo',
      });
    const pooled = sink.messages.filter((m) => m.envelopeTo[0]!.startsWith('pool'));
    expect(pooled).toHaveLength(10);
    expect(new Set(pooled.map((m) => m.session)).size).toBeLessThanOrEqual(3);
  });

  it('keeps a line break in a header value from becoming a header of its own', async () => {
    const hostile = 'Harz\r\nBcc: victim@example.net\r\n\r\n<p>injected</p>';
    await mailer.send({
      ...message,
      subject: 'Neu\r\nBcc: victim@example.net',
      headers: { 'X-Landpost-Region': headerSafe(hostile) },
    });

    const mail = await sink.waitFor((m) => m.to.includes('erika@example.org'));
    expect(mail.headers.get('x-landpost-region')).toBe(
      'Harz Bcc: victim@example.net <p>injected</p>',
    );
    expect(mail.subject).toBe('Neu Bcc: victim@example.net');
    expect(mail.rawHeaders).not.toMatch(/^Bcc:/im);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.envelopeTo).toEqual(['erika@example.org']);
    expect(mail.html).not.toContain('injected');
  });

  it('fails permanently on a 5xx answer, so the job is not retried', async () => {
    sink.failNext(550, '5.1.1 Mailbox does not exist');
    const error = await mailer.send(message).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toContain('550');
    expect(sink.messages).toHaveLength(0);
  });

  it('fails retryably on a 4xx answer, and the retry arrives', async () => {
    sink.failNext(451, '4.3.0 Try again later', 'data');
    const error = await mailer.send(message).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect(sink.messages).toHaveLength(0);

    await mailer.send(message);
    const mail = await sink.waitFor((m) => m.subject === 'Landpost Nr. 1');
    expect(mail.envelopeTo).toEqual(['erika@example.org']);
  });

  it('sends to an internationalised domain in punycode, header and envelope alike', async () => {
    for (const envelopeFrom of [undefined, 'bounces+7@landpost.test']) {
      const sent = await mailer.send({ ...message, to: 'anna@bücher.de', envelopeFrom });
      expect(sent.accepted).toEqual(['anna@xn--bcher-kva.de']);
      const mail = await sink.waitFor((m) => m.rcptToSent.length > 0);
      expect(mail.rcptToSent).toEqual(['anna@xn--bcher-kva.de']);
      expect(mail.headers.get('to')).toBe('anna@xn--bcher-kva.de');
      sink.clear();
    }
  });
});
