import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  envelopeFrom: string;
  envelopeTo: string[];
  subject: string;
  headers: string;
  html: string | null;
  text: string | null;
  raw: string;
}

export interface MailCatcher {
  port: number;
  smtpUrl: string;
  close(): Promise<void>;
}

const MAX_SIZE = 10 * 1024 * 1024;

/**
 * The development mail catcher: an SMTP server on loopback that accepts everything and hands
 * each message to `store` (Landpost keeps them in the database and lists them at /admin/mail).
 */
export async function startMailCatcher(
  store: (mail: CaughtMail) => void | Promise<void>,
  port = 0,
): Promise<MailCatcher> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_SIZE,
    logger: false,
    banner: 'Landpost development mail catcher',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then(async (parsed) => {
            const headerEnd = raw.indexOf('\r\n\r\n');
            await store({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              headers: raw.subarray(0, headerEnd === -1 ? raw.length : headerEnd).toString('utf8'),
              html: typeof parsed.html === 'string' ? parsed.html : null,
              text: parsed.text ?? null,
              raw: raw.toString('utf8'),
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {
    /* a broken client connection must not take the process down */
  });
  const address = server.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    port: actualPort,
    smtpUrl: `smtp://127.0.0.1:${actualPort}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
