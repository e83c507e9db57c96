import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** A random, URL-safe secret (256 bits). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** How one-time tokens are stored: only their SHA-256. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** For logs: never a whole token. */
export function redactToken(token: string): string {
  return token.length > 8 ? `${token.slice(0, 6)}…` : '…';
}

export type LinkPurpose =
  | 'unsubscribe'
  | 'preferences'
  | 'signup-form'
  | 'admin-setup'
  | 'referral'
  | 'attribution'
  | 'registration-cancel';

export type MacPurpose = 'tracking-open' | 'tracking-click';

export interface LinkClaims {
  /** subscriber id (0 where none) */
  s: number;
  /** list id, for unsubscribe links */
  l?: number;
  /** expiry, unix seconds */
  e: number;
  /** a random nonce, for tokens that work once (the sign-up form's) */
  n?: string;
}

/**
 * Keys derived from SECRET_KEY: one per purpose, so a token made for one purpose never
 * verifies as another.
 */
export class Secrets {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly secretKey: string) {}

  private key(purpose: string): Buffer {
    let key = this.keys.get(purpose);
    if (!key) {
      key = createHmac('sha256', this.secretKey).update(`landpost:${purpose}`).digest();
      this.keys.set(purpose, key);
    }
    return key;
  }

  /** Secret for signed cookies (CSRF secret cookie of the admin area). */
  cookieSecret(): string {
    return this.key('cookie').toString('base64url');
  }

  /** Encrypt a secret for storage (AES-256-GCM with a key derived from SECRET_KEY). */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key('sealed-secrets'), iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, data, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext of a sealed value; undefined when it was tampered with or sealed under another key. */
  unseal(sealed: string): string | undefined {
    const [version, iv, data, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !data || !tag) return undefined;
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.key('sealed-secrets'),
        Buffer.from(iv, 'base64url'),
      );
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(data, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Keyed hash of an address: the consent log's stable identifier that survives erasure. */
  emailHash(email: string): string {
    return createHmac('sha256', this.key('email-hash'))
      .update(email.trim().toLowerCase())
      .digest('hex');
  }

  /**
   * HMAC-SHA256 of bytes under the purpose's key, for tokens that must be shorter than
   * `sign`'s JSON (tracking links sit in every link of every mail).
   */
  mac(purpose: MacPurpose, data: Uint8Array): Buffer {
    return createHmac('sha256', this.key(purpose)).update(data).digest();
  }

  sign(purpose: LinkPurpose, claims: LinkClaims): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const mac = createHmac('sha256', this.key(purpose)).update(body).digest('base64url');
    return `${body}.${mac}`;
  }

  /** The claims of a valid, unexpired token for this purpose, or undefined. */
  verify(purpose: LinkPurpose, token: string, nowMs = Date.now()): LinkClaims | undefined {
    if (typeof token !== 'string' || token.length > 512) return undefined;
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return undefined;
    // Compare the canonical encodings: a token differs from the signed one in any character
    // (base64url's unused trailing bits included) and is refused.
    const expected = Buffer.from(
      createHmac('sha256', this.key(purpose)).update(body).digest('base64url'),
    );
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as LinkClaims;
      if (typeof claims.s !== 'number' || typeof claims.e !== 'number') return undefined;
      if (claims.e * 1000 < nowMs) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }
}

export const DAY_MS = 24 * 3600 * 1000;
/** Unsubscribe links must keep working in old mails for a long time. */
export const UNSUBSCRIBE_LINK_DAYS = 400;
export const PREFERENCES_LINK_DAYS = 60;
