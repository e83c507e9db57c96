import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { WorkerLog } from './mail.js';

/** What the bounce endpoint needs: which addresses are ours, and where their mail goes. */
export interface BounceInbox<Mailbox> {
  /** The mailbox an address names; undefined: not ours (refused at RCPT). */
  mailbox(address: string): Mailbox | undefined;
  receiveMail(mailbox: Mailbox, raw: Buffer): Promise<unknown>;
}

export interface BounceServer {
  port: number;
  close(): Promise<void>;
}

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * The bounce endpoint: an SMTP server that takes mail only for the VERP bounce addresses and the
 * List-Unsubscribe mailto addresses of our own deliveries (any other recipient is refused with
 * 550, so it relays nothing) and hands each mail to the inbox. Mail servers that return a
 * newsletter deliver the bounce here; the MX of the bounce domain points at it.
 */
export async function startBounceServer<Mailbox>(opts: {
  inbox: BounceInbox<Mailbox>;
  port: number;
  host: string;
  maxBytes: number;
  log: WorkerLog;
  /** How long close() waits for open connections before it drops them. */
  closeTimeoutMs?: number;
}): Promise<BounceServer> {
  const { inbox, log } = opts;
  const mailboxes = (session: { envelope: { rcptTo: SMTPServerAddress[] } }) =>
    session.envelope.rcptTo.flatMap((r) => {
      const mailbox = inbox.mailbox(r.address);
      return mailbox === undefined ? [] : [mailbox];
    });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: opts.maxBytes,
    logger: false,
    banner: 'Landpost bounce endpoint',
    closeTimeout: opts.closeTimeoutMs ?? 10_000,
    onRcptTo(address, _session, callback) {
      if (inbox.mailbox(address.address) === undefined) {
        callback(smtpError(550, '5.1.1 no such mailbox here'));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(smtpError(552, '5.3.4 message too big'));
          return;
        }
        const raw = Buffer.concat(chunks);
        (async () => {
          for (const mailbox of mailboxes(session)) await inbox.receiveMail(mailbox, raw);
        })().then(
          () => callback(),
          (err: unknown) => {
            log.error({ err }, 'bounce not recorded; the sending server will try again');
            callback(smtpError(451, '4.3.0 not recorded, try again later'));
          },
        );
      });
    },
  });
  server.on('error', (err) => {
    // A broken client connection must not take the process down.
    log.warn({ err: err.message }, 'bounce endpoint connection error');
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  let closing: Promise<void> | undefined;
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => (closing ??= new Promise<void>((resolve) => server.close(() => resolve()))),
  };
}
