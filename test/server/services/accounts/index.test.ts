/**
 * Admin accounts against a real SQLite file: who may be created, who may log in, how sessions
 * live and end, the second factor, and that every change names its actor in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountService,
  currentTotp,
  FIRST_WAIT_MS,
  MAX_WAIT_MS,
  SESSION_IDLE_MS,
  type User,
  type UserActor,
} from '../../../../server/services/accounts/index.js';
import type { Actor } from '../../../../server/services/context.js';
import { serviceTestContext, type ServiceTestContext } from '../../../helpers/service-context.js';

const PASSWORD = 'a long enough test password';
const cli: Actor = { kind: 'cli' };

let ctx: ServiceTestContext;
let accounts: AccountService;

beforeAll(() => {
  ctx = serviceTestContext();
  accounts = new AccountService(ctx);
});
afterAll(() => ctx?.close());

async function newUser(email: string, role = 'editor'): Promise<User> {
  const result = await accounts.createUser({ email, role, password: PASSWORD }, cli);
  if (result.kind !== 'created') throw new Error(JSON.stringify(result.errors));
  return result.user;
}

const actorOf = (user: User): UserActor => ({
  kind: 'user',
  userId: user.id,
  email: user.email,
  ip: '192.0.2.1',
});

const userRow = (id: number) =>
  ctx.sql<{ last_login_at: number | null }>('select last_login_at from users where id = ?', id)[0]!;
const throttleOf = (email: string) =>
  ctx.sql<{ ip: string; failures: number; blocked_until: number | null }>(
    'select ip, failures, blocked_until from login_throttles where account = ? order by ip',
    email,
  );
const sessionsOf = (id: number) =>
  ctx.sql<{ pending_totp: number; expires_at: number }>(
    'select pending_totp, expires_at from sessions where user_id = ?',
    id,
  );
const auditOf = (id: number) =>
  ctx.sql<{ actor: string; action: string; details: string | null; ip: string | null }>(
    "select actor, action, details, ip from audit_log where entity = 'user' and entity_id = ? order by id",
    String(id),
  );

describe('creating accounts', () => {
  it('stores the address in lower case, the password hashed, and audits the creator', async () => {
    const result = await accounts.createUser(
      { email: ' Anna@Example.org ', name: ' Anna ', role: 'viewer', password: PASSWORD },
      cli,
    );
    expect(result.kind).toBe('created');
    const [row] = ctx.sql<{ id: number; email: string; name: string; password_hash: string }>(
      "select id, email, name, password_hash from users where email = 'anna@example.org'",
    );
    expect(row).toMatchObject({ email: 'anna@example.org', name: 'Anna' });
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect(auditOf(row!.id)).toEqual([
      { actor: 'cli', action: 'create', details: '{"role":"viewer"}', ip: null },
    ]);
  });

  it('refuses a second account for the same address, whatever its case', async () => {
    await newUser('twice@example.org');
    const again = await accounts.createUser(
      { email: 'TWICE@example.org', role: 'editor', password: PASSWORD },
      cli,
    );
    expect(again).toMatchObject({ kind: 'invalid', errors: { email: 'users.exists' } });
    expect(ctx.sql("select id from users where email = 'twice@example.org'")).toHaveLength(1);
  });

  it('names every field that breaks a rule, and stores nothing', async () => {
    const result = await accounts.createUser(
      { email: 'not an address', name: 'Eve\nBcc: x@y.org', role: 'root', password: 'short' },
      cli,
    );
    expect(result).toEqual({
      kind: 'invalid',
      errors: {
        email: 'auth.emailInvalid',
        name: 'auth.nameInvalid',
        role: 'users.roleInvalid',
        password: 'auth.password.tooShort',
      },
      values: { email: 'not an address', name: 'Eve\nBcc: x@y.org', role: 'root' },
    });
    expect(
      (
        await accounts.createUser(
          { email: 'b@example.org', name: '<b>Boss</b>', role: 'admin', password: PASSWORD },
          cli,
        )
      ).kind,
    ).toBe('invalid');
    expect(ctx.sql("select id from users where email = 'b@example.org'")).toHaveLength(0);
  });
});

describe('the first admin', () => {
  it('is created once from a valid set-up link, signed in, and names themself in the log', async () => {
    const fresh = serviceTestContext();
    try {
      const service = new AccountService(fresh);
      const token = fresh.secrets.sign('admin-setup', {
        s: 0,
        e: Math.floor(Date.now() / 1000) + 3600,
      });
      const input = { email: 'first@example.org', password: PASSWORD, passwordRepeat: PASSWORD };
      expect(await service.createFirstAdmin('forged', input, {})).toEqual({ kind: 'closed' });
      const mismatch = await service.createFirstAdmin(
        token,
        { ...input, passwordRepeat: 'another long password' },
        {},
      );
      expect(mismatch).toMatchObject({
        kind: 'invalid',
        errors: { password2: 'auth.password.mismatch' },
      });
      const created = await service.createFirstAdmin(token, input, { ip: '192.0.2.7' });
      if (created.kind !== 'created') throw new Error(created.kind);
      expect(created.user.role).toBe('admin');
      expect(service.session(created.sessionToken)?.user.email).toBe('first@example.org');
      expect(
        fresh.sql('select actor, action, details, ip from audit_log where entity = ?', 'user'),
      ).toEqual([
        {
          actor: 'first@example.org',
          action: 'create',
          details: '{"role":"admin","via":"setup link"}',
          ip: '192.0.2.7',
        },
      ]);
      const second = await service.createFirstAdmin(
        token,
        { ...input, email: 'second@example.org' },
        {},
      );
      expect(second).toEqual({ kind: 'closed' });
    } finally {
      fresh.close();
    }
  });
});

describe('login', () => {
  it('the right password starts a session and is audited as a login', async () => {
    const user = await newUser('login.ok@example.org');
    const result = await accounts.login({
      email: 'Login.OK@example.org',
      password: PASSWORD,
      ip: '192.0.2.1',
    });
    if (result.kind !== 'ok') throw new Error(result.kind);
    expect(result.pendingTotp).toBe(false);
    expect(accounts.session(result.sessionToken)?.user.id).toBe(user.id);
    expect(userRow(user.id).last_login_at).not.toBeNull();
    expect(auditOf(user.id).at(-1)).toEqual({
      actor: 'login.ok@example.org',
      action: 'login',
      details: null,
      ip: '192.0.2.1',
    });
  });

  it('a wrong password is refused and counted for its client; an unknown address just the same', async () => {
    const user = await newUser('login.wrong@example.org');
    const ip = '192.0.2.20';
    expect(await accounts.login({ email: user.email, password: 'not the password', ip })).toEqual({
      kind: 'invalid',
    });
    expect(throttleOf(user.email)).toEqual([{ ip, failures: 1, blocked_until: null }]);
    expect(sessionsOf(user.id)).toHaveLength(0);
    expect(await accounts.login({ email: 'Nobody@example.org', password: PASSWORD, ip })).toEqual({
      kind: 'invalid',
    });
    expect(throttleOf('nobody@example.org')).toEqual([{ ip, failures: 1, blocked_until: null }]);
    // The right password clears the count of this client.
    expect((await accounts.login({ email: user.email, password: PASSWORD, ip })).kind).toBe('ok');
    expect(throttleOf(user.email)).toEqual([]);
  });

  it('a disabled account cannot log in, even with the right password', async () => {
    const admin = await newUser('disabler@example.org', 'admin');
    const user = await newUser('login.disabled@example.org');
    expect(accounts.changeAccess(user.id, { role: 'editor', disabled: true }, actorOf(admin))).toBe(
      'changed',
    );
    expect(await accounts.login({ email: user.email, password: PASSWORD })).toEqual({
      kind: 'invalid',
    });
  });

  it('after five wrong passwords a client waits 1, 2, 4 … minutes, up to an hour; others are not held up', async () => {
    const user = await newUser('login.throttled@example.org');
    const stranger = { email: 'no.account@example.org' };
    const attacker = '203.0.113.9';
    const wrong = (email: string, at: number, ip = attacker) =>
      accounts.login({ email, password: 'wrong password', ip }, at);
    let now = Date.now();
    for (let i = 0; i < 5; i++) {
      expect(await wrong(user.email, now)).toEqual({ kind: 'invalid' });
      expect(await wrong(stranger.email, now)).toEqual({ kind: 'invalid' });
    }
    expect(throttleOf(user.email)).toEqual([
      { ip: attacker, failures: 5, blocked_until: now + FIRST_WAIT_MS },
    ]);
    // Unknown and existing accounts are throttled alike.
    expect(throttleOf(stranger.email)).toEqual([
      { ip: attacker, failures: 5, blocked_until: now + FIRST_WAIT_MS },
    ]);
    // While waiting, even the right password is refused, with the same answer, and not counted.
    const during = { email: user.email, password: PASSWORD, ip: attacker };
    expect(await accounts.login(during, now + FIRST_WAIT_MS - 1)).toEqual({ kind: 'invalid' });
    expect(throttleOf(user.email)[0]!.failures).toBe(5);
    // Another client logs in at once.
    const owner = await accounts.login({ ...during, ip: '192.0.2.30' }, now + 1);
    expect(owner.kind).toBe('ok');

    // Each miss after a wait doubles the next wait: 2, 4, 8, 16, 32 minutes, then an hour at most.
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      now = throttleOf(user.email)[0]!.blocked_until!;
      await wrong(user.email, now);
      waits.push(throttleOf(user.email)[0]!.blocked_until! - now);
    }
    expect(waits.map((w) => w / 60_000)).toEqual([2, 4, 8, 16, 32, 60, 60]);
    expect(MAX_WAIT_MS).toBe(60 * 60_000);
    // The right password after the wait lets the client in and clears its count.
    now = throttleOf(user.email)[0]!.blocked_until!;
    expect((await accounts.login(during, now)).kind).toBe('ok');
    expect(throttleOf(user.email)).toEqual([]);
  });

  it('an IPv6 client is counted by its /64 network; failures a day old are forgotten', async () => {
    const user = await newUser('login.ipv6@example.org');
    const now = Date.now();
    for (let i = 0; i < 5; i++)
      await accounts.login(
        { email: user.email, password: 'wrong password', ip: `2001:db8:1:2::${i + 1}` },
        now,
      );
    expect(throttleOf(user.email)).toEqual([
      { ip: '2001:db8:1:2::/64', failures: 5, blocked_until: now + FIRST_WAIT_MS },
    ]);
    const sameNetwork = { email: user.email, password: PASSWORD, ip: '2001:db8:1:2::99' };
    expect((await accounts.login(sameNetwork, now + 1)).kind).toBe('invalid');
    const otherNetwork = { ...sameNetwork, ip: '2001:db8:1:3::1' };
    expect((await accounts.login(otherNetwork, now + 1)).kind).toBe('ok');

    // A day later the old failures no longer count: one miss is just one.
    const later = now + 24 * 3600_000 + 1;
    await accounts.login({ ...sameNetwork, password: 'wrong again' }, later);
    expect(throttleOf(user.email)).toEqual([
      { ip: '2001:db8:1:2::/64', failures: 1, blocked_until: null },
    ]);
  });
});

describe('sessions', () => {
  it('a session ends after the idle time; activity keeps it alive', async () => {
    const user = await newUser('session.idle@example.org');
    const start = Date.now();
    const result = await accounts.login({ email: user.email, password: PASSWORD }, start);
    if (result.kind !== 'ok') throw new Error(result.kind);
    const token = result.sessionToken;
    expect(accounts.session(token, start + SESSION_IDLE_MS - 1)).toBeDefined();
    // That visit pushed the end on by the idle time.
    expect(accounts.session(token, start + SESSION_IDLE_MS + 1000)).toBeDefined();
    expect(accounts.session(token, start + 3 * SESSION_IDLE_MS)).toBeUndefined();
    expect(accounts.session('not-a-session-token')).toBeUndefined();
  });

  it('logout ends the session and is audited', async () => {
    const user = await newUser('session.logout@example.org');
    const result = await accounts.login({ email: user.email, password: PASSWORD });
    if (result.kind !== 'ok') throw new Error(result.kind);
    const session = accounts.session(result.sessionToken)!;
    accounts.logout(session.idHash, actorOf(user));
    expect(accounts.session(result.sessionToken)).toBeUndefined();
    expect(sessionsOf(user.id)).toHaveLength(0);
    expect(auditOf(user.id).at(-1)?.action).toBe('logout');
  });

  it('a new login replaces the session it was sent from', async () => {
    const user = await newUser('session.replace@example.org');
    const first = await accounts.login({ email: user.email, password: PASSWORD });
    if (first.kind !== 'ok') throw new Error(first.kind);
    const replaces = accounts.session(first.sessionToken)!.idHash;
    const second = await accounts.login({ email: user.email, password: PASSWORD, replaces });
    expect(second.kind).toBe('ok');
    expect(accounts.session(first.sessionToken)).toBeUndefined();
    expect(sessionsOf(user.id)).toHaveLength(1);
  });
});

describe('changing the password', () => {
  it('wrong current passwords count like wrong logins from that client: after five it must wait', async () => {
    const user = await newUser('pw.wrong@example.org');
    const login = await accounts.login({ email: user.email, password: PASSWORD, ip: '192.0.2.1' });
    if (login.kind !== 'ok') throw new Error(login.kind);
    const keep = accounts.session(login.sessionToken)!.idHash;
    const change = { password: 'a brand new password', passwordRepeat: 'a brand new password' };
    const now = Date.now();
    // actorOf() speaks from 192.0.2.1.
    for (let i = 0; i < 5; i++) {
      const result = await accounts.changePassword(
        { ...change, current: 'not my password' },
        actorOf(user),
        keep,
        now,
      );
      expect(result).toEqual({ kind: 'invalid', errors: { current: 'auth.password.wrong' } });
    }
    expect(throttleOf(user.email)).toEqual([
      { ip: '192.0.2.1', failures: 5, blocked_until: now + FIRST_WAIT_MS },
    ]);
    // Now even the right password is not checked from there, on this form or at the login.
    const right = { ...change, current: PASSWORD };
    expect(await accounts.changePassword(right, actorOf(user), keep, now + 1)).toEqual({
      kind: 'invalid',
      errors: { current: 'auth.password.wait' },
    });
    const again = { email: user.email, password: PASSWORD, ip: '192.0.2.1' };
    expect((await accounts.login(again, now + 1)).kind).toBe('invalid');
    expect(sessionsOf(user.id)).toHaveLength(1);
    // After the wait the right password changes it.
    const later = now + FIRST_WAIT_MS;
    expect(await accounts.changePassword(right, actorOf(user), keep, later)).toEqual({
      kind: 'changed',
    });
    expect(throttleOf(user.email)).toEqual([]);
  });

  it('the right current password changes it and ends the other sessions', async () => {
    const user = await newUser('pw.right@example.org');
    const here = await accounts.login({ email: user.email, password: PASSWORD });
    const elsewhere = await accounts.login({ email: user.email, password: PASSWORD });
    if (here.kind !== 'ok' || elsewhere.kind !== 'ok') throw new Error('login failed');
    const keep = accounts.session(here.sessionToken)!.idHash;
    const result = await accounts.changePassword(
      {
        current: PASSWORD,
        password: 'a brand new password',
        passwordRepeat: 'a brand new password',
      },
      actorOf(user),
      keep,
    );
    expect(result).toEqual({ kind: 'changed' });
    expect(accounts.session(here.sessionToken)).toBeDefined();
    expect(accounts.session(elsewhere.sessionToken)).toBeUndefined();
    expect((await accounts.login({ email: user.email, password: PASSWORD })).kind).toBe('invalid');
    expect(
      (await accounts.login({ email: user.email, password: 'a brand new password' })).kind,
    ).toBe('ok');
    expect(auditOf(user.id).filter((a) => a.action === 'change-password')).toEqual([
      { actor: user.email, action: 'change-password', details: null, ip: '192.0.2.1' },
    ]);
  });

  it('the new password must follow the rule and be typed the same twice', async () => {
    const user = await newUser('pw.rule@example.org');
    const self = actorOf(user);
    expect(
      await accounts.changePassword(
        { current: PASSWORD, password: 'short', passwordRepeat: 'short' },
        self,
      ),
    ).toEqual({ kind: 'invalid', errors: { password: 'auth.password.tooShort' } });
    expect(
      await accounts.changePassword(
        { current: PASSWORD, password: 'a brand new password', passwordRepeat: 'a different one!' },
        self,
      ),
    ).toEqual({ kind: 'invalid', errors: { password2: 'auth.password.mismatch' } });
  });
});

describe('second factor', () => {
  it('is enabled with a code; then a login waits for the code before it counts', async () => {
    const user = await newUser('totp@example.org');
    const self = actorOf(user);
    expect((await accounts.startTotp(actorOf(user), PASSWORD)).kind).toBe('started');
    const enrolment = accounts.totpEnrolment(accounts.findUser(user.id)!);
    expect(enrolment?.uri).toContain('otpauth://totp/');
    const secret = enrolment!.secret;
    const t0 = Date.now();
    expect(accounts.enableTotp('000000', self)).toEqual({ kind: 'invalid', enrolment });
    expect(accounts.enableTotp(currentTotp(secret, t0), self, t0)).toEqual({ kind: 'enabled' });
    expect(accounts.totpEnrolment(accounts.findUser(user.id)!)).toBeUndefined();

    const login = await accounts.login({ email: user.email, password: PASSWORD, ip: '192.0.2.1' });
    if (login.kind !== 'ok') throw new Error(login.kind);
    expect(login.pendingTotp).toBe(true);
    const session = accounts.session(login.sessionToken)!;
    expect(session.pendingTotp).toBe(true);
    const before = auditOf(user.id).filter((a) => a.action === 'login');
    expect(before).toHaveLength(0);
    expect(accounts.completeTotpLogin(session, '123456')).toBe(false);
    // The code that switched it on is used up; the next one (30 seconds on) completes the login.
    const t1 = t0 + 30_000;
    expect(accounts.completeTotpLogin(session, currentTotp(secret, t0), '192.0.2.1', t1)).toBe(
      false,
    );
    expect(accounts.completeTotpLogin(session, currentTotp(secret, t1), '192.0.2.1', t1)).toBe(
      true,
    );
    expect(accounts.session(login.sessionToken)!.pendingTotp).toBe(false);
    expect(auditOf(user.id).map((a) => [a.action, a.details])).toEqual([
      ['create', '{"role":"editor"}'],
      ['enable-totp', null],
      ['login', '{"totp":true}'],
    ]);
  });

  it('a code counts once: the same code cannot complete a second login, nor an older one', async () => {
    const user = await newUser('totp.replay@example.org');
    expect((await accounts.startTotp(actorOf(user), PASSWORD)).kind).toBe('started');
    const secret = accounts.totpEnrolment(accounts.findUser(user.id)!)!.secret;
    // One second into a 30-second step, so that the times below fall into known steps.
    const t0 = Math.floor(Date.now() / 30_000) * 30_000 + 1000;
    expect(accounts.enableTotp(currentTotp(secret, t0), actorOf(user), t0).kind).toBe('enabled');
    const pending = async () => {
      const login = await accounts.login({ email: user.email, password: PASSWORD });
      if (login.kind !== 'ok') throw new Error(login.kind);
      return { token: login.sessionToken, session: accounts.session(login.sessionToken)! };
    };
    const first = await pending();
    const second = await pending();
    const t1 = t0 + 30_000;
    const code = currentTotp(secret, t1);
    expect(accounts.completeTotpLogin(first.session, code, undefined, t1)).toBe(true);
    // Seen over the shoulder or caught on the way: within its window the code is used up.
    expect(accounts.completeTotpLogin(second.session, code, undefined, t1 + 10_000)).toBe(false);
    expect(accounts.session(second.token)!.pendingTotp).toBe(true);
    // A code of an earlier step, still inside the drift window, is refused as well.
    const t2 = t1 + 30_000;
    expect(
      accounts.completeTotpLogin(second.session, currentTotp(secret, t0), undefined, t2 - 1),
    ).toBe(false);
    // The next code works.
    expect(accounts.completeTotpLogin(second.session, currentTotp(secret, t2), undefined, t2)).toBe(
      true,
    );
    expect(ctx.sql('select totp_last_step from users where id = ?', user.id)).toEqual([
      { totp_last_step: Math.floor(t2 / 30_000) },
    ]);
  });

  it('is set up only with the password, and switched off or set up anew only with it or a current code', async () => {
    const user = await newUser('totp.confirm@example.org');
    const self = actorOf(user);
    const row = () =>
      ctx.sql<{ totp_enabled: number; totp_secret: string | null }>(
        'select totp_enabled, totp_secret from users where id = ?',
        user.id,
      )[0]!;
    expect(await accounts.startTotp(self, 'not my password')).toEqual({
      kind: 'invalid',
      errors: { confirm: 'auth.password.wrong' },
    });
    expect(row()).toEqual({ totp_enabled: 0, totp_secret: null });
    expect((await accounts.startTotp(self, PASSWORD)).kind).toBe('started');
    const secret = accounts.totpEnrolment(accounts.findUser(user.id)!)!.secret;
    const t0 = Math.floor(Date.now() / 30_000) * 30_000 + 1000;
    expect(accounts.enableTotp(currentTotp(secret, t0), self, t0).kind).toBe('enabled');
    const on = row();

    const refused = { kind: 'invalid', errors: { confirm: 'auth.totpConfirmWrong' } };
    expect(await accounts.disableTotp(self, 'not my password', t0)).toEqual(refused);
    expect(await accounts.disableTotp(self, '', t0)).toEqual(refused);
    // The code that switched it on is used up.
    expect(await accounts.disableTotp(self, currentTotp(secret, t0), t0)).toEqual(refused);
    expect(await accounts.startTotp(self, 'not my password', t0)).toEqual(refused);
    expect(row()).toEqual(on);
    // With a current code it can be set up anew; the old factor is then off until confirmed.
    const t1 = t0 + 30_000;
    expect((await accounts.startTotp(self, currentTotp(secret, t1), t1)).kind).toBe('started');
    expect(row().totp_enabled).toBe(0);
    expect(row().totp_secret).not.toBe(on.totp_secret);
    expect(auditOf(user.id).at(-1)).toMatchObject({
      action: 'disable-totp',
      details: '{"renew":true}',
    });
    const renewed = accounts.totpEnrolment(accounts.findUser(user.id)!)!.secret;
    expect(accounts.enableTotp(currentTotp(renewed, t1), self, t1).kind).toBe('enabled');
    // … and switched off with the password.
    expect(await accounts.disableTotp(self, PASSWORD, t1)).toEqual({ kind: 'disabled' });
    expect(row()).toEqual({ totp_enabled: 0, totp_secret: null });
    // The right confirmation cleared the wrong ones counted before.
    expect(throttleOf(user.email)).toEqual([]);
  });

  it('wrong confirmations count like wrong logins: after five the client waits', async () => {
    const user = await newUser('totp.guess@example.org');
    const self = actorOf(user);
    const now = Date.now();
    for (let i = 0; i < 5; i++)
      expect((await accounts.startTotp(self, `guess number ${i}`, now)).kind).toBe('invalid');
    expect(throttleOf(user.email)).toEqual([
      { ip: '192.0.2.1', failures: 5, blocked_until: now + FIRST_WAIT_MS },
    ]);
    expect(await accounts.startTotp(self, PASSWORD, now + 1)).toEqual({
      kind: 'invalid',
      errors: { confirm: 'auth.password.wait' },
    });
    expect((await accounts.startTotp(self, PASSWORD, now + FIRST_WAIT_MS)).kind).toBe('started');
  });

  it('an admin resets a lost second factor; the user is logged out everywhere', async () => {
    const admin = await newUser('totp.admin@example.org', 'admin');
    const user = await newUser('totp.lost@example.org');
    expect((await accounts.startTotp(actorOf(user), PASSWORD)).kind).toBe('started');
    const secret = accounts.totpEnrolment(accounts.findUser(user.id)!)!.secret;
    expect(accounts.enableTotp(currentTotp(secret), actorOf(user)).kind).toBe('enabled');
    await accounts.login({ email: user.email, password: PASSWORD });
    expect(accounts.resetTotp(user.id, actorOf(admin))).toBe(true);
    expect(accounts.findUser(user.id)).toMatchObject({ totpEnabled: false, totpSecret: null });
    expect(sessionsOf(user.id)).toHaveLength(0);
    expect(auditOf(user.id).at(-1)).toMatchObject({
      actor: 'totp.admin@example.org',
      action: 'disable-totp',
      details: '{"by":"admin"}',
    });
    expect(accounts.resetTotp(999_999, actorOf(admin))).toBe(false);
  });
});

describe('roles', () => {
  it('the last active admin can be neither demoted nor disabled', async () => {
    const fresh = serviceTestContext();
    try {
      const service = new AccountService(fresh);
      const created = await service.createUser(
        { email: 'only@example.org', role: 'admin', password: PASSWORD },
        cli,
      );
      if (created.kind !== 'created') throw new Error(created.kind);
      const only = created.user;
      const self = actorOf(only);
      expect(service.changeAccess(only.id, { role: 'editor', disabled: false }, self)).toBe(
        'last-admin',
      );
      expect(service.changeAccess(only.id, { role: 'admin', disabled: true }, self)).toBe(
        'last-admin',
      );
      expect(service.findUser(only.id)).toMatchObject({ role: 'admin', disabledAt: null });

      // With a second admin the first may step down; their sessions end.
      await service.createUser(
        { email: 'next@example.org', role: 'admin', password: PASSWORD },
        cli,
      );
      await service.login({ email: only.email, password: PASSWORD });
      expect(service.changeAccess(only.id, { role: 'editor', disabled: false }, self)).toBe(
        'changed',
      );
      expect(service.findUser(only.id)?.role).toBe('editor');
      expect(fresh.sql('select * from sessions where user_id = ?', only.id)).toHaveLength(0);
      expect(
        fresh.sql(
          "select actor, details from audit_log where action = 'update' and entity_id = ?",
          String(only.id),
        ),
      ).toEqual([{ actor: 'only@example.org', details: '{"role":"editor","disabled":false}' }]);
    } finally {
      fresh.close();
    }
  });

  it('an unknown role or account is refused', async () => {
    const user = await newUser('roles.unknown@example.org');
    expect(accounts.changeAccess(user.id, { role: 'root', disabled: false }, cli)).toBe(
      'invalid-role',
    );
    expect(accounts.changeAccess(999_999, { role: 'viewer', disabled: false }, cli)).toBe(
      'not-found',
    );
  });
});
