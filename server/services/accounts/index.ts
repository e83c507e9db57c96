import argon2 from 'argon2';
import * as OTPAuth from 'otpauth';
import type { Db } from '../../../db/client.js';
import * as users from '../../../db/queries/users.js';
import type { UserRole } from '../../../db/schema.js';
import { randomToken, sha256 } from '../../infra/security.js';

export const SESSION_COOKIE = 'lp_admin';
/** Sliding idle timeout of an admin session. */
export const SESSION_IDLE_MS = 8 * 3600 * 1000;
export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 15 * 60 * 1000;
export const MIN_PASSWORD_LENGTH = 12;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

/** Roles are ordered: an admin may do what an editor may, an editor what a viewer may. */
const rank: Record<UserRole, number> = { viewer: 0, editor: 1, admin: 2 };
export const roleAllows = (role: UserRole, needed: UserRole) => rank[role] >= rank[needed];

export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return 'tooShort';
  if (password.length > 200) return 'tooLong';
  return undefined;
}

export type LoginResult =
  | { kind: 'ok'; user: users.User; sessionToken: string; pendingTotp: boolean }
  | { kind: 'invalid' }
  | { kind: 'locked'; until: number };

// A fixed hash to verify against when the address is unknown, so timing does not reveal it.
let dummyHash: Promise<string> | undefined;

/** Check e-mail and password; count failures and lock the account after too many. */
export async function login(
  db: Db,
  input: { email: string; password: string; ip?: string; userAgent?: string },
  now = Date.now(),
): Promise<LoginResult> {
  const user = users.findUserByEmail(input.email.trim().toLowerCase(), db);
  if (!user || user.disabledAt) {
    dummyHash ??= hashPassword('landpost-dummy-password');
    await argon2.verify(await dummyHash, input.password).catch(() => false);
    return { kind: 'invalid' };
  }
  if (user.lockedUntil && user.lockedUntil > now)
    return { kind: 'locked', until: user.lockedUntil };
  const ok = await argon2.verify(user.passwordHash, input.password).catch(() => false);
  if (!ok) {
    const after = users.recordFailedLogin(user.id, MAX_FAILED_LOGINS, LOCK_MS, now, db);
    if (after.lockedUntil && after.lockedUntil > now)
      return { kind: 'locked', until: after.lockedUntil };
    return { kind: 'invalid' };
  }
  users.recordLogin(user.id, now, db);
  const sessionToken = startSession(db, user.id, user.totpEnabled, input, now);
  return { kind: 'ok', user, sessionToken, pendingTotp: user.totpEnabled };
}

export function startSession(
  db: Db,
  userId: number,
  pendingTotp: boolean,
  meta: { ip?: string; userAgent?: string },
  now = Date.now(),
): string {
  const token = randomToken();
  users.createSession(
    {
      idHash: sha256(token),
      userId,
      pendingTotp,
      expiresAt: now + SESSION_IDLE_MS,
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 300),
    },
    db,
  );
  return token;
}

export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, account: string, issuer: string): string {
  return new OTPAuth.TOTP({
    issuer,
    label: account,
    secret: OTPAuth.Secret.fromBase32(secret),
  }).toString();
}

export function verifyTotp(secret: string, code: string): boolean {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return false;
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
  return totp.validate({ token, window: 1 }) !== null;
}

/** For tests and the CLI: the current code of a secret. */
export function currentTotp(secret: string): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate();
}
