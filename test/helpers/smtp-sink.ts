import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

/** One message as it arrived at the sink. */
export interface ReceivedMail {
  /** The SMTP session (connection) it arrived on. */
  session: string;
  envelopeFrom: string;
  /** RCPT TO as smtp-server reports it: an internationalised domain turned into Unicode. */
  envelopeTo: string[];
  /** RCPT TO exactly as the client wrote it on the wire (a domain in punycode stays so). */
  rcptToSent: string[];
  /** The whole message as sent, CRLF line endings kept. */
  raw: string;
  /** The literal header block (folded lines kept), without the blank line after it. */
  rawHeaders: string;
  /**
   * Header values by lower-case name, unfolded but otherwise as sent (encoded words are not
   * decoded). A repeated header keeps its first value; `rawHeaders` has them all.
   */
  headers: Map<string, string>;
  subject: string;
  html: string | null;
  text: string | null;
  /** Addresses in the To header. */
  to: string[];
  /** The From header as mailparser renders it, e.g. `"Landpost" <newsletter@example.org>`. */
  from: string;
  parsed: ParsedMail;
}

export type SmtpStage = 'rcpt' | 'data';

export interface SmtpSink {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** The first message (already here or still to come) that matches; rejects after the timeout. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Resolves once at least `n` messages have arrived. */
  waitForCount(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Make the next RCPT TO (default) or DATA answer with this SMTP error, once. */
  failNext(code: number, message?: string, stage?: SmtpStage): void;
  clear(): void;
  close(): Promise<void>;
}

interface Waiter {
  check(): boolean;
}

/** A real SMTP server on loopback that accepts everything and records what arrived. */
/**
 * `parse: false` records envelope, raw text and headers only (no MIME parsing: `html`, `text`,
 * `to`, `from` and `parsed` stay empty), for tests that count thousands of messages.
 */
export async function startSmtpSink(
  opts: { parse?: boolean; /** A fixed port (default: a free one). */ port?: number } = {},
): Promise<SmtpSink> {
  const parse = opts.parse ?? true;
  const messages: ReceivedMail[] = [];
  const waiters = new Set<Waiter>();
  const failures: { stage: SmtpStage; code: number; message: string }[] = [];

  const notify = () => {
    for (const waiter of waiters) if (waiter.check()) waiters.delete(waiter);
  };

  const takeFailure = (stage: SmtpStage): Error | undefined => {
    const index = failures.findIndex((f) => f.stage === stage);
    if (index === -1) return undefined;
    const [failure] = failures.splice(index, 1);
    if (!failure) return undefined;
    return Object.assign(new Error(failure.message), { responseCode: failure.code });
  };

  // The client's MAIL and RCPT commands per connection, read from the server's debug log.
  const rcptSent = new Map<string, string[]>();
  const quiet = () => {};
  const commandLog: SMTPServerOptions['logger'] = {
    level: quiet,
    debug(entry: { tnx?: string; cid?: string; command?: string }, _message: string, line = '') {
      if (entry.tnx !== 'command' || !entry.cid) return;
      if (entry.command === 'MAIL') rcptSent.set(entry.cid, []);
      const to = /^RCPT TO:\s*<([^>]*)>/i.exec(line)?.[1];
      if (entry.command === 'RCPT' && to !== undefined) rcptSent.get(entry.cid)?.push(to);
    },
    trace: quiet,
    info: quiet,
    warn: quiet,
    error: quiet,
    fatal: quiet,
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: commandLog,
    // Pooled clients may keep a connection open; do not wait 30 s for them on close().
    closeTimeout: 500,
    onRcptTo(_address, _session, callback) {
      callback(takeFailure('rcpt') ?? null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const failure = takeFailure('data');
        if (failure) return callback(failure);
        record(Buffer.concat(chunks), session, [...(rcptSent.get(session.id) ?? [])], parse)
          .then((mail) => {
            // Recorded before the 250 goes out: once a send resolves, the message is here.
            messages.push(mail);
            notify();
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  server.on('error', () => {
    /* a client dropping its connection is not a test failure */
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const wait = <T>(
    done: () => T | undefined,
    timeoutMs: number,
    describe: () => string,
  ): Promise<T> => {
    const now = done();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check() {
          const result = done();
          if (result === undefined) return false;
          clearTimeout(timer);
          resolve(result);
          return true;
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${describe()} within ${timeoutMs} ms; ${summary(messages)}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      return wait(
        () => messages.find(predicate),
        timeoutMs,
        () => 'no matching message arrived',
      );
    },
    waitForCount(n, timeoutMs = 10_000) {
      return wait(
        () => (messages.length >= n ? [...messages] : undefined),
        timeoutMs,
        () => `expected ${n} messages, got ${messages.length}`,
      );
    },
    failNext(code, message = `${code} simulated failure`, stage = 'rcpt') {
      failures.push({ stage, code, message });
    },
    clear() {
      messages.length = 0;
      failures.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function record(
  raw: Buffer,
  session: SMTPServerSession,
  rcptToSent: string[],
  parse: boolean,
): Promise<ReceivedMail> {
  const text = raw.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const rawHeaders = end === -1 ? text : text.slice(0, end);
  if (!parse) {
    const headers = parseHeaderBlock(rawHeaders);
    return {
      session: session.id,
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      rcptToSent,
      raw: text,
      rawHeaders,
      headers,
      subject: headers.get('subject') ?? '',
      html: null,
      text: null,
      to: [],
      from: '',
      parsed: {} as ParsedMail,
    };
  }
  const parsed = await simpleParser(raw);
  return {
    session: session.id,
    envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    envelopeTo: session.envelope.rcptTo.map((r) => r.address),
    rcptToSent,
    raw: text,
    rawHeaders,
    headers: parseHeaderBlock(rawHeaders),
    subject: parsed.subject ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : null,
    text: parsed.text ?? null,
    to: addresses(parsed.to),
    from: parsed.from?.text ?? '',
    parsed,
  };
}

function parseHeaderBlock(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  // A line starting with whitespace continues the previous header (RFC 5322 folding).
  const unfolded = block.replace(/\r?\n(?=[ \t])/g, '');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((group) => group.value.map((a) => a.address ?? '')).filter(Boolean);
}

function summary(messages: ReceivedMail[]): string {
  if (messages.length === 0) return 'nothing arrived';
  const lines = messages.map((m) => `to ${m.envelopeTo.join(', ')}: ${JSON.stringify(m.subject)}`);
  return `arrived: ${lines.join('; ')}`;
}
