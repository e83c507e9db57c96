import {
  createHash,
  createPrivateKey,
  createSign,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What signs every outgoing message: the domain (d=), the selector (s=) and the parsed key. */
export interface DkimKey {
  domainName: string;
  keySelector: string;
  privateKey: KeyObject;
}

export const DKIM_DOMAIN_PATTERN =
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;
/** A selector: one DNS label or several (`news2026`, `lp.2026`). */
export const DKIM_SELECTOR_PATTERN = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i;

/**
 * The headers the signature covers, when present. COMPLIANCE.md names From, To, Subject, Date,
 * Message-ID, List-Unsubscribe and List-Unsubscribe-Post; the others are ours as well and no
 * relay has reason to touch them.
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Reply-To',
  'List-Id',
  'Feedback-ID',
  'Auto-Submitted',
  'MIME-Version',
  'Content-Type',
].join(':');

const SIGNED = DKIM_SIGNED_HEADERS.split(':').map((name) => name.toLowerCase());

/**
 * Whole lines of a body (each ending in CRLF) in DKIM's relaxed body form (RFC 6376 3.4.4):
 * whitespace at line ends dropped, runs of it inside a line made one space. Lines never
 * depend on each other, so the pieces of a body can be canonicalised apart and hashed in order;
 * only the end of the whole body needs `relaxedBodyEnd`.
 */
export function relaxedLines(lines: string): string {
  return lines.replace(/[ \t]+(?=\r\n|$)/g, '').replace(/[ \t]+/g, ' ');
}

/** The end of a relaxed body: no empty lines, and one CRLF after a non-empty body. */
export function relaxedBodyEnd(canonical: string): string {
  const trimmed = canonical.replace(/(\r\n)+$/, '');
  return trimmed ? `${trimmed}\r\n` : '';
}

/** `bh=` of a body given as its relaxed pieces in order (see relaxedLines). */
export function bodyHash(canonicalPieces: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const piece of canonicalPieces)
    if (typeof piece === 'string') hash.update(piece, 'latin1');
    else hash.update(piece);
  return hash.digest('base64');
}

/** A header field in relaxed form (RFC 6376 3.4.2), without its CRLF. */
export function relaxedHeader(name: string, value: string): string {
  return `${name.toLowerCase()}:${value
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim()}`;
}

/**
 * The `DKIM-Signature` header line (with its CRLF) for a message with these header fields (name
 * and value as they go out, folded or not) and this body hash: relaxed/relaxed, rsa-sha256,
 * covering those of DKIM_SIGNED_HEADERS that are present.
 */
export function dkimSignatureHeader(
  key: DkimKey,
  headers: readonly (readonly [name: string, value: string])[],
  bh: string,
  now = Date.now(),
): string {
  const byName = new Map<string, string>();
  for (const [name, value] of headers) byName.set(name.toLowerCase(), relaxedHeader(name, value));
  const names = SIGNED.filter((name) => byName.has(name));
  // Lines of at most 78 characters: folded before whitespace only, which the relaxed form
  // turns back into one space (the signed form is that of the header as it goes out).
  const list = names.join(':').replace(/(.{1,70})(?::|$)/g, (m) => `${m}\r\n `);
  const unsigned = [
    'v=1; a=rsa-sha256; c=relaxed/relaxed;',
    `d=${key.domainName}; s=${key.keySelector}; t=${Math.floor(now / 1000)};`,
    `h=${list.replace(/\r\n $/, ';')}`,
    `bh=${bh};`,
    'b=',
  ].join('\r\n ');
  let data = '';
  for (const name of names) data += `${byName.get(name)!}\r\n`;
  data += relaxedHeader('DKIM-Signature', unsigned);
  const b = sign('sha256', Buffer.from(data, 'latin1'), key.privateKey).toString('base64');
  // The b= value is left out of the signed form whatever whitespace it holds.
  return `DKIM-Signature: ${unsigned}${b.replace(/.{72}(?=.)/g, '$&\r\n ')}\r\n`;
}

/**
 * A whole message with a DKIM-Signature put before its headers, and its line ends made CRLF;
 * otherwise header fields and body are read and kept byte for byte.
 */
export function signMessage(message: Buffer, key: DkimKey, now = Date.now()): Buffer {
  // Every line ends in CRLF on the wire (SMTP turns a bare LF or CR into one), so it is signed
  // and sent that way.
  const text = message.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end + 2);
  const body = end === -1 ? '' : text.slice(end + 4);
  const headers: [string, string][] = [];
  for (const line of head.split(/\r\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1)]);
  }
  const bh = bodyHash([relaxedBodyEnd(relaxedLines(body))]);
  return Buffer.from(dkimSignatureHeader(key, headers, bh, now) + text, 'latin1');
}

/**
 * The private key from DKIM_PRIVATE_KEY: a PEM text (`\n` escapes allowed, env files have one
 * line per value) or the path of a PEM file. Parsed once; an RSA key of at least 1024 bits
 * that can sign, or an Error with one line that never repeats the key.
 */
export function loadDkimPrivateKey(value: string): KeyObject {
  const text = value.replace(/\\n/g, '\n').trim();
  let pem = text;
  if (!text.startsWith('-----BEGIN')) {
    try {
      pem = readFileSync(text, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
      throw new Error(`neither a PEM private key nor a readable file (${text}: ${why})`);
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    if (/ENCRYPTED/.test(pem) || (err as { code?: string }).code === 'ERR_MISSING_PASSPHRASE')
      throw new Error('an encrypted key: store it without a passphrase, readable by Landpost only');
    throw new Error('not a PEM private key (expected -----BEGIN PRIVATE KEY----- …)');
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new Error(`an ${key.asymmetricKeyType ?? 'unknown'} key; DKIM signing needs an RSA key`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024) throw new Error(`an RSA key of ${bits} bits; receivers need at least 1024`);
  // A key that cannot sign would leave every message unsigned without a word: try it now.
  createSign('RSA-SHA256').update('landpost').sign(key);
  return key;
}

/** A new RSA-2048 key pair and the DNS TXT record that publishes its public half. */
export function generateDkimKeys(
  selector: string,
  domain: string,
): { privateKeyPem: string; dnsName: string; txtRecord: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const value = `v=DKIM1; k=rsa; p=${p}`;
  // A TXT string holds at most 255 characters; the record is their concatenation.
  const strings = value.match(/.{1,255}/g) ?? [];
  const dnsName = `${selector}._domainkey.${domain}.`;
  return {
    privateKeyPem,
    dnsName,
    txtRecord: `${dnsName} IN TXT ${strings.map((s) => `"${s}"`).join(' ')}`,
  };
}
