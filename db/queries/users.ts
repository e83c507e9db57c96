import { and, asc, count, eq, gt, isNull, lt, ne, or } from 'drizzle-orm';
import type { Tx } from '../client.js';
import { loginThrottles, sessions, users, type UserRole } from '../schema.js';

export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;

export function countUsers(tx: Tx): number {
  return tx.select({ n: count() }).from(users).get()?.n ?? 0;
}

export function findUserByEmail(email: string, tx: Tx): User | undefined {
  return tx.select().from(users).where(eq(users.email, email)).get();
}

export function findUser(id: number, tx: Tx): User | undefined {
  return tx.select().from(users).where(eq(users.id, id)).get();
}

export function listUsers(tx: Tx): User[] {
  return tx.select().from(users).orderBy(asc(users.email)).all();
}

export function createUser(
  input: { email: string; name: string; passwordHash: string; role: UserRole; language?: string },
  tx: Tx,
): User {
  return tx
    .insert(users)
    .values({ ...input, passwordChangedAt: Date.now() })
    .returning()
    .get();
}

export function updateUser(
  id: number,
  fields: Partial<Omit<User, 'id' | 'createdAt'>>,
  tx: Tx,
): void {
  tx.update(users).set(fields).where(eq(users.id, id)).run();
}

export function recordLogin(id: number, now: number, tx: Tx): void {
  tx.update(users).set({ lastLoginAt: now }).where(eq(users.id, id)).run();
}

export type LoginThrottle = typeof loginThrottles.$inferSelect;

const throttleOf = (account: string, ip: string) =>
  and(eq(loginThrottles.account, account), eq(loginThrottles.ip, ip));

export function findLoginThrottle(account: string, ip: string, tx: Tx): LoginThrottle | undefined {
  return tx.select().from(loginThrottles).where(throttleOf(account, ip)).get();
}

export function saveLoginThrottle(row: LoginThrottle, tx: Tx): void {
  const { failures, blockedUntil, lastFailureAt } = row;
  tx.insert(loginThrottles)
    .values(row)
    .onConflictDoUpdate({
      target: [loginThrottles.account, loginThrottles.ip],
      set: { failures, blockedUntil, lastFailureAt },
    })
    .run();
}

export function clearLoginThrottle(account: string, ip: string, tx: Tx): void {
  tx.delete(loginThrottles).where(throttleOf(account, ip)).run();
}

/** Forget failures older than `before`. */
export function purgeLoginThrottles(before: number, tx: Tx): void {
  tx.delete(loginThrottles).where(lt(loginThrottles.lastFailureAt, before)).run();
}

/**
 * Record the time step of a second-factor code being used; false when that step or a later one
 * was used before (the code was used already, or an older one is replayed).
 */
export function useTotpStep(id: number, step: number, tx: Tx): boolean {
  return (
    tx
      .update(users)
      .set({ totpLastStep: step })
      .where(and(eq(users.id, id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
      .returning({ id: users.id })
      .all().length > 0
  );
}

export function countActiveAdmins(tx: Tx, exceptId?: number): number {
  const where = and(
    eq(users.role, 'admin'),
    isNull(users.disabledAt),
    exceptId === undefined ? undefined : ne(users.id, exceptId),
  );
  return tx.select({ n: count() }).from(users).where(where).get()?.n ?? 0;
}

export function createSession(
  input: {
    idHash: string;
    userId: number;
    pendingTotp: boolean;
    expiresAt: number;
    ip?: string;
    userAgent?: string;
  },
  tx: Tx,
): void {
  tx.insert(sessions).values(input).run();
}

/** A live session and its user (enabled accounts only). */
export function findSession(
  idHash: string,
  now: number,
  tx: Tx,
): { session: Session; user: User } | undefined {
  return tx
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now), isNull(users.disabledAt)))
    .get();
}

export function touchSession(idHash: string, now: number, expiresAt: number, tx: Tx): void {
  tx.update(sessions).set({ lastSeenAt: now, expiresAt }).where(eq(sessions.idHash, idHash)).run();
}

export function completeTotp(idHash: string, tx: Tx): void {
  tx.update(sessions).set({ pendingTotp: false }).where(eq(sessions.idHash, idHash)).run();
}

export function deleteSession(idHash: string, tx: Tx): void {
  tx.delete(sessions).where(eq(sessions.idHash, idHash)).run();
}

/** Log a user out everywhere (password change, disabling, role change). */
export function deleteUserSessions(userId: number, tx: Tx, exceptIdHash?: string): void {
  tx.delete(sessions)
    .where(
      and(
        eq(sessions.userId, userId),
        exceptIdHash ? ne(sessions.idHash, exceptIdHash) : undefined,
      ),
    )
    .run();
}

export function purgeExpiredSessions(now: number, tx: Tx): number {
  return tx
    .delete(sessions)
    .where(lt(sessions.expiresAt, now))
    .returning({ id: sessions.idHash })
    .all().length;
}
