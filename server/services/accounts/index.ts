import { transaction, type Db, type Tx } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as users from '../../../db/queries/users.js';
import type { UserRole } from '../../../db/schema.js';
import type { Config } from '../../config.js';
import { ADMIN_LANGUAGES } from '../../i18n/admin.js';
import { randomToken, sha256, type Secrets } from '../../infra/security.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { hashPassword, passwordMatches, verifyAgainstNothing } from './passwords.js';
import { clientNetwork, FORGET_FAILURES_MS, waitAfter } from './throttle.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';
import {
  newPasswordProblems,
  newUserProblems,
  normaliseNewUser,
  isUserRole,
  type NewUserInput,
  type Problems,
} from './validation.js';

export { userRoles, type UserRole } from '../../../db/schema.js';
export type User = users.User;
export * from './passwords.js';
export { currentTotp } from './totp.js';
export { FIRST_WAIT_MS, FREE_FAILURES, MAX_WAIT_MS } from './throttle.js';
export * from './validation.js';
export { ApiTokenService, type ApiToken } from './api-tokens.js';

export const SESSION_COOKIE = 'lp_admin';
/** Sliding idle timeout of an admin session. */
export const SESSION_IDLE_MS = 8 * 3600 * 1000;

/** Roles are ordered: an admin may do what an editor may, an editor what a viewer may. */
const rank: Record<UserRole, number> = { viewer: 0, editor: 1, admin: 2 };
export const roleAllows = (role: UserRole, needed: UserRole) => rank[role] >= rank[needed];

/** A signed-in admin user as the audit log names them. */
export type UserActor = Extract<Actor, { kind: 'user' }>;

export interface SessionMeta {
  ip?: string;
  userAgent?: string;
}

/**
 * A refused login is one answer whatever the reason (unknown address, wrong password, disabled
 * account, a client that must wait): the form must not tell which addresses have accounts.
 */
export type LoginResult =
  { kind: 'ok'; user: User; sessionToken: string; pendingTotp: boolean } | { kind: 'invalid' };

export type CreateUserResult =
  | { kind: 'created'; user: User }
  | { kind: 'invalid'; errors: Problems; values: { email: string; name: string; role: string } };

/** A live admin session: its stored id (the cookie's hash) and whose it is. */
export interface ActiveSession {
  idHash: string;
  user: User;
  /** Password accepted, second factor still to come. */
  pendingTotp: boolean;
}

/** A second factor being set up: the secret to type in, and the same as an otpauth:// URI. */
export interface TotpEnrolment {
  secret: string;
  uri: string;
}

const asActor = (user: User, ip?: string | null): UserActor => ({
  kind: 'user',
  userId: user.id,
  email: user.email,
  ip: ip ?? null,
});

/**
 * The people who log in to the admin UI: their accounts and roles, login with a throttle per
 * account and client, sessions, and the second factor. Routes, the admin guard and the CLI call
 * these.
 */
export class AccountService {
  private readonly db: Db;
  private readonly config: Config;
  private readonly secrets: Secrets;

  // Only what accounts need: the CLI builds this without Redis.
  constructor(ctx: Pick<ServiceContext, 'db' | 'config' | 'secrets'>) {
    ({ db: this.db, config: this.config, secrets: this.secrets } = ctx);
  }

  countUsers(): number {
    return users.countUsers(this.db);
  }

  listUsers(): User[] {
    return users.listUsers(this.db);
  }

  findUser(id: number): User | undefined {
    return users.findUser(id, this.db);
  }

  /** A new account from the admin page or the CLI, validated by the one rule for accounts. */
  createUser(input: NewUserInput, actor: Actor): Promise<CreateUserResult> {
    return this.addUser(input, () => actor, {});
  }

  /** Whether the one-time link may still create the first admin (no account exists yet). */
  setupOpen(token: string): boolean {
    return this.countUsers() === 0 && this.secrets.verify('admin-setup', token) !== undefined;
  }

  /** The first admin, from the set-up link; they are signed in at once. */
  async createFirstAdmin(
    token: string,
    input: Omit<NewUserInput, 'role'>,
    meta: SessionMeta,
  ): Promise<
    | { kind: 'closed' }
    | Extract<CreateUserResult, { kind: 'invalid' }>
    | { kind: 'created'; user: User; sessionToken: string }
  > {
    if (!this.setupOpen(token)) return { kind: 'closed' };
    try {
      const result = await this.addUser(
        { ...input, role: 'admin' },
        (user) => asActor(user, meta.ip),
        { via: 'setup link' },
        // Two set-up forms sent at once: only the first creates an account.
        (tx) => users.countUsers(tx) === 0,
      );
      if (result.kind === 'invalid') return result;
      return { ...result, sessionToken: this.startSession(result.user.id, false, meta) };
    } catch (err) {
      if (err instanceof SetupClosed) return { kind: 'closed' };
      throw err;
    }
  }

  private async addUser(
    input: NewUserInput,
    actorFor: (user: User) => Actor,
    details: Record<string, unknown>,
    allowed: (tx: Tx) => boolean = () => true,
  ): Promise<CreateUserResult> {
    const values = normaliseNewUser(input);
    const errors = newUserProblems(input);
    if (!errors.email && users.findUserByEmail(values.email, this.db))
      errors.email = 'users.exists';
    if (Object.keys(errors).length) return { kind: 'invalid', errors, values };
    const passwordHash = await hashPassword(input.password, this.config.passwordHashCost);
    return transaction(this.db, (tx): CreateUserResult => {
      if (!allowed(tx)) throw new SetupClosed();
      // Created by somebody else while the password was being hashed.
      if (users.findUserByEmail(values.email, tx))
        return { kind: 'invalid', errors: { email: 'users.exists' }, values };
      const role = values.role as UserRole;
      const user = users.createUser(
        { email: values.email, name: values.name, role, passwordHash },
        tx,
      );
      recordAction(auditWho(actorFor(user)), 'create', 'user', user.id, { role, ...details }, tx);
      return { kind: 'created', user };
    });
  }

  /**
   * An admin changes a role or disables an account. The organisation is never locked out: the
   * last active admin stays an active admin. A changed role or a disabled account logs out.
   */
  changeAccess(
    id: number,
    change: { role: string; disabled: boolean },
    actor: Actor,
  ): 'changed' | 'not-found' | 'invalid-role' | 'last-admin' {
    const { role, disabled } = change;
    return transaction(this.db, (tx) => {
      const target = users.findUser(id, tx);
      if (!target) return 'not-found';
      if (!isUserRole(role)) return 'invalid-role';
      const losesAdmin =
        target.role === 'admin' && !target.disabledAt && (role !== 'admin' || disabled);
      if (losesAdmin && users.countActiveAdmins(tx, target.id) === 0) return 'last-admin';
      users.updateUser(
        id,
        { role, disabledAt: disabled ? (target.disabledAt ?? Date.now()) : null },
        tx,
      );
      if (role !== target.role || disabled) users.deleteUserSessions(id, tx);
      recordAction(auditWho(actor), 'update', 'user', id, { role, disabled }, tx);
      return 'changed';
    });
  }

  /**
   * Check e-mail and password. Wrong passwords are counted per account and client: after a few,
   * that client waits longer after each, while the account stays open from anywhere else.
   */
  async login(
    input: {
      email: string;
      password: string;
      /** The session this login replaces (the stored id of the old cookie). */
      replaces?: string;
    } & SessionMeta,
    now = Date.now(),
  ): Promise<LoginResult> {
    const account = input.email.trim().toLowerCase().slice(0, 320);
    const client = clientNetwork(input.ip);
    if (this.waiting(account, client, now)) return { kind: 'invalid' };
    const user = users.findUserByEmail(account, this.db);
    const known = !!user && !user.disabledAt;
    const matches = known
      ? await passwordMatches(user.passwordHash, input.password)
      : await verifyAgainstNothing(input.password, this.config.passwordHashCost).then(() => false);
    if (!known || !matches) {
      this.countFailure(account, client, now);
      return { kind: 'invalid' };
    }
    const sessionToken = transaction(this.db, (tx) => {
      users.clearLoginThrottle(account, client, tx);
      users.recordLogin(user.id, now, tx);
      if (input.replaces) users.deleteSession(input.replaces, tx);
      const token = this.startSession(user.id, user.totpEnabled, input, now, tx);
      // With a second factor the login is complete (and audited) once the code is right.
      if (!user.totpEnabled)
        recordAction(auditWho(asActor(user, input.ip)), 'login', 'user', user.id, undefined, tx);
      return token;
    });
    return { kind: 'ok', user, sessionToken, pendingTotp: user.totpEnabled };
  }

  /** Whether this client must still wait before it may try this account's password again. */
  private waiting(account: string, client: string, now: number): boolean {
    const throttle = users.findLoginThrottle(account, client, this.db);
    return !!throttle?.blockedUntil && throttle.blockedUntil > now;
  }

  /** One more wrong password from this client for this account; old failures are forgotten. */
  private countFailure(account: string, client: string, now: number): void {
    transaction(this.db, (tx) => {
      users.purgeLoginThrottles(now - FORGET_FAILURES_MS, tx);
      const failures = (users.findLoginThrottle(account, client, tx)?.failures ?? 0) + 1;
      const wait = waitAfter(failures);
      users.saveLoginThrottle(
        {
          account,
          ip: client,
          failures,
          blockedUntil: wait ? now + wait : null,
          lastFailureAt: now,
        },
        tx,
      );
    });
  }

  /**
   * The signed-in user shows it is them before a change to the account: with the password or,
   * where `orCode` and the second factor is on, a current code. A wrong entry counts like a wrong
   * login from that client, so a taken-over session cannot guess on and on; while the client must
   * wait, nothing is checked. Answers the problem's message key, or undefined when confirmed.
   */
  private async confirmIdentity(
    actor: UserActor,
    answer: string,
    now: number,
    orCode = false,
  ): Promise<string | undefined> {
    const user = users.findUser(actor.userId, this.db);
    const wrong = orCode && user?.totpEnabled ? 'auth.totpConfirmWrong' : 'auth.password.wrong';
    if (!user) return wrong;
    const client = clientNetwork(actor.ip);
    if (this.waiting(user.email, client, now)) return 'auth.password.wait';
    const secret = orCode && user.totpEnabled ? this.totpSecretOf(user) : undefined;
    // A password has at least 12 characters, so six digits can only be meant as a code.
    const isCode = !!secret && /^\d{6}$/.test(answer.replace(/\s+/g, ''));
    let right: boolean;
    if (isCode) {
      const step = totpStep(secret, answer, now);
      right = step !== undefined && users.useTotpStep(user.id, step, this.db);
    } else {
      right = await passwordMatches(user.passwordHash, answer);
    }
    if (!right) {
      this.countFailure(user.email, client, now);
      return wrong;
    }
    users.clearLoginThrottle(user.email, client, this.db);
    return undefined;
  }

  /** A new password, given the current one; the user's other sessions end. */
  async changePassword(
    input: { current: string; password: string; passwordRepeat: string },
    actor: UserActor,
    keepSession?: string,
    now = Date.now(),
  ): Promise<{ kind: 'changed' } | { kind: 'invalid'; errors: Problems }> {
    const errors: Problems = {};
    const current = await this.confirmIdentity(actor, input.current, now);
    if (current) errors.current = current;
    Object.assign(errors, newPasswordProblems(input.password, input.passwordRepeat));
    if (Object.keys(errors).length) return { kind: 'invalid', errors };
    const passwordHash = await hashPassword(input.password, this.config.passwordHashCost);
    transaction(this.db, (tx) => {
      users.updateUser(actor.userId, { passwordHash, passwordChangedAt: now }, tx);
      users.deleteUserSessions(actor.userId, tx, keepSession);
      recordAction(auditWho(actor), 'change-password', 'user', actor.userId, undefined, tx);
    });
    return { kind: 'changed' };
  }

  /** The admin UI's language for this user; an unknown language is ignored. */
  setLanguage(userId: number, language: string): void {
    if (ADMIN_LANGUAGES.includes(language)) users.updateUser(userId, { language }, this.db);
  }

  private startSession(
    userId: number,
    pendingTotp: boolean,
    meta: SessionMeta,
    now = Date.now(),
    tx: Tx = this.db,
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
      tx,
    );
    return token;
  }

  /** The live session of a cookie; its idle timeout is pushed on at most once a minute. */
  session(token: string, now = Date.now()): ActiveSession | undefined {
    const idHash = sha256(token);
    const found = users.findSession(idHash, now, this.db);
    if (!found) return undefined;
    if (now - found.session.lastSeenAt > 60_000)
      users.touchSession(idHash, now, now + SESSION_IDLE_MS, this.db);
    return { idHash, user: found.user, pendingTotp: found.session.pendingTotp };
  }

  /**
   * The second step of a login with a second factor: a right code completes the session. Each
   * code counts once: one seen by somebody else cannot complete another login in its 30 seconds.
   */
  completeTotpLogin(
    session: { idHash: string; user: User },
    code: string,
    ip?: string,
    now = Date.now(),
  ): boolean {
    const secret = this.totpSecretOf(session.user);
    const step = secret ? totpStep(secret, code, now) : undefined;
    if (step === undefined) return false;
    return transaction(this.db, (tx) => {
      if (!users.useTotpStep(session.user.id, step, tx)) return false;
      users.completeTotp(session.idHash, tx);
      const who = auditWho(asActor(session.user, ip));
      recordAction(who, 'login', 'user', session.user.id, { totp: true }, tx);
      return true;
    });
  }

  logout(idHash: string, actor: UserActor): void {
    transaction(this.db, (tx) => {
      recordAction(auditWho(actor), 'logout', 'user', actor.userId, undefined, tx);
      users.deleteSession(idHash, tx);
    });
  }

  /** The second factor's secret is stored sealed with a key derived from SECRET_KEY. */
  private totpSecretOf(user: User): string | undefined {
    return user.totpSecret ? this.secrets.unseal(user.totpSecret) : undefined;
  }

  private enrolmentOf(user: User, secret = this.totpSecretOf(user)): TotpEnrolment | undefined {
    return secret ? { secret, uri: totpUri(secret, user.email, this.config.orgName) } : undefined;
  }

  /** A second factor started but not yet confirmed with a code. */
  totpEnrolment(user: User): TotpEnrolment | undefined {
    return user.totpEnabled ? undefined : this.enrolmentOf(user);
  }

  /**
   * Begin setting up a second factor: a new secret, off until a code confirms it. It needs the
   * password (or, replacing a second factor that is on, a current code): a taken-over session
   * must neither switch the owner's factor off this way nor set up its own.
   */
  async startTotp(
    actor: UserActor,
    confirmation: string,
    now = Date.now(),
  ): Promise<{ kind: 'started' } | { kind: 'invalid'; errors: Problems }> {
    const problem = await this.confirmIdentity(actor, confirmation, now, true);
    if (problem) return { kind: 'invalid', errors: { confirm: problem } };
    const totpSecret = this.secrets.seal(newTotpSecret());
    transaction(this.db, (tx) => {
      const replaced = users.findUser(actor.userId, tx)?.totpEnabled;
      users.updateUser(actor.userId, { totpSecret, totpEnabled: false, totpLastStep: null }, tx);
      if (replaced)
        recordAction(auditWho(actor), 'disable-totp', 'user', actor.userId, { renew: true }, tx);
    });
    return { kind: 'started' };
  }

  /** Switch the second factor on with a code from the authenticator. */
  enableTotp(
    code: string,
    actor: UserActor,
    now = Date.now(),
  ): { kind: 'enabled' } | { kind: 'invalid'; enrolment?: TotpEnrolment } {
    const user = users.findUser(actor.userId, this.db);
    const secret = user && this.totpSecretOf(user);
    const step = secret ? totpStep(secret, code, now) : undefined;
    const enabled =
      !!user &&
      step !== undefined &&
      transaction(this.db, (tx) => {
        // The code that switches it on cannot also complete a login.
        if (!users.useTotpStep(user.id, step, tx)) return false;
        users.updateUser(user.id, { totpEnabled: true }, tx);
        recordAction(auditWho(actor), 'enable-totp', 'user', user.id, undefined, tx);
        return true;
      });
    if (!enabled) return { kind: 'invalid', enrolment: user && this.enrolmentOf(user, secret) };
    return { kind: 'enabled' };
  }

  /** Switch the own second factor off, confirmed with the password or a current code. */
  async disableTotp(
    actor: UserActor,
    confirmation: string,
    now = Date.now(),
  ): Promise<{ kind: 'disabled' } | { kind: 'invalid'; errors: Problems }> {
    const problem = await this.confirmIdentity(actor, confirmation, now, true);
    if (problem) return { kind: 'invalid', errors: { confirm: problem } };
    transaction(this.db, (tx) => {
      users.updateUser(actor.userId, { totpEnabled: false, totpSecret: null }, tx);
      recordAction(auditWho(actor), 'disable-totp', 'user', actor.userId, undefined, tx);
    });
    return { kind: 'disabled' };
  }

  /** A lost authenticator: an admin switches another user's second factor off and logs them out. */
  resetTotp(userId: number, actor: Actor): boolean {
    return transaction(this.db, (tx) => {
      if (!users.findUser(userId, tx)) return false;
      users.updateUser(userId, { totpEnabled: false, totpSecret: null }, tx);
      users.deleteUserSessions(userId, tx);
      recordAction(auditWho(actor), 'disable-totp', 'user', userId, { by: 'admin' }, tx);
      return true;
    });
  }
}

/** The set-up link was used up while this form was being sent. */
class SetupClosed extends Error {}
