import { createPrivateKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
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
