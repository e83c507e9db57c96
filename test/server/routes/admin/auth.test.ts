import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotp } from '../../../../server/services/accounts/index.js';
import { runCli } from '../../../../server/cli.js';
import { startTestApp, type TestApp } from '../../../helpers/app.js';
import { AdminClient, loginAs, PASSWORD } from '../../../helpers/admin.js';

let t: TestApp;
const sql = <T>(query: string, ...params: unknown[]) =>
  t.runtime.database.sqlite.prepare(query).all(...params) as T[];

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('first admin', () => {
  it('the set-up link creates the first admin once, and never again', async () => {
    const token = t.runtime.app!.secrets.sign('admin-setup', {
      s: 0,
      e: Math.floor(Date.now() / 1000) + 3600,
    });
    const first = new AdminClient(t, 'first@landpost.test');
    const page = await first.get(`/admin/setup/${token}`);
    expect(page.statusCode).toBe(200);
    const bad = await first.post(`/admin/setup/${token}`, {
      email: 'first@landpost.test',
      password: 'short',
      password2: 'short',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="password-error"');
    const ok = await first.post(`/admin/setup/${token}`, {
      email: 'first@landpost.test',
      name: 'First',
      password: PASSWORD,
      password2: PASSWORD,
    });
    expect(ok.statusCode).toBe(303);
    expect(
      sql<{ role: string }>('select role from users where email = ?', 'first@landpost.test'),
    ).toEqual([{ role: 'admin' }]);
    const dashboard = await first.get('/admin');
    expect(dashboard.statusCode).toBe(200);

    const again = await new AdminClient(t, 'x@landpost.test').get(`/admin/setup/${token}`);
    expect(again.statusCode).toBe(404);
    const expired = t.runtime.app!.secrets.sign('admin-setup', {
      s: 0,
      e: Math.floor(Date.now() / 1000) - 1,
    });
    expect(
      (await new AdminClient(t, 'y@landpost.test').get(`/admin/setup/${expired}`)).statusCode,
    ).toBe(404);
  });

  it('npx landpost admin create makes an account that can log in', async () => {
    const lines: string[] = [];
    const saved = { ...process.env };
    Object.assign(process.env, {
      DATA_DIR: t.config.dataDir,
      SECRET_KEY: t.config.secretKey,
      LOG_LEVEL: 'silent',
    });
    try {
      expect(
        await runCli(
          ['admin', 'create', '--email', 'cli@landpost.test', '--password', 'short'],
          (l) => lines.push(l),
        ),
      ).toBe(2);
      expect(
        await runCli(
          [
            'admin',
            'create',
            '--email',
            'cli@landpost.test',
            '--password',
            PASSWORD,
            '--role',
            'editor',
          ],
          (l) => lines.push(l),
        ),
      ).toBe(0);
    } finally {
      process.env = saved;
    }
    const client = new AdminClient(t, 'cli@landpost.test');
    expect((await client.login()).statusCode).toBe(303);
    expect((await client.get('/admin')).statusCode).toBe(200);
  });
});

describe('login', () => {
  it('an unknown visitor is sent to the login page; an open redirect is refused', async () => {
    const anon = new AdminClient(t, 'nobody@landpost.test');
    const res = await anon.get('/admin/subscribers');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Fsubscribers');
    const post = await anon.post('/admin/tokens', { name: 'x', role: 'viewer' }, null);
    expect([401, 403]).toContain(post.statusCode);

    await loginAs(t, 'viewer', 'redirect@landpost.test');
    const c = new AdminClient(t, 'redirect@landpost.test');
    await c.get('/admin/login');
    const login = await c.post('/admin/login', {
      email: 'redirect@landpost.test',
      password: PASSWORD,
      next: '//evil.example/admin',
    });
    expect(login.headers.location).toBe('/admin');
  });

  it('after a right password, a `next` that is not a plain admin path leads to /admin, never to an error or a forged header', async () => {
    await loginAs(t, 'viewer', 'next@landpost.test');
    const loginWith = async (next: string) => {
      const c = new AdminClient(t, 'next@landpost.test');
      await c.get('/admin/login');
      return c.post('/admin/login', { email: 'next@landpost.test', password: PASSWORD, next });
    };
    for (const next of [
      '/admin?\r\nSet-Cookie: x=1',
      '/admin/subscribers\nX-Injected: 1',
      '/admin\t',
      '//evil.example',
      '//evil.example/admin',
      'https://evil.example',
      'https://evil.example/admin',
      '/\\evil.example',
      '/admin/../login',
      '/administrator',
      'javascript:alert(1)',
    ]) {
      const res = await loginWith(next);
      expect(res.statusCode, JSON.stringify(next)).toBe(303);
      expect(res.headers.location, JSON.stringify(next)).toBe('/admin');
      expect(res.headers['x-injected']).toBeUndefined();
      expect([res.headers['set-cookie']].flat().join('\n')).not.toMatch(/(^|\n)x=1/);
    }
    // An admin path with a query is kept, its non-ASCII characters percent-encoded.
    const kept = await loginWith('/admin/subscribers?q=Müller straße');
    expect(kept.statusCode).toBe(303);
    expect(kept.headers.location).toBe('/admin/subscribers?q=M%C3%BCller%20stra%C3%9Fe');
    const plain = await loginWith('/admin/subscribers?status=active');
    expect(plain.headers.location).toBe('/admin/subscribers?status=active');
    // The login page carries the same cleaned value into its form.
    const page = await new AdminClient(t, 'x@landpost.test').get(
      '/admin/login?next=%2Fadmin%3F%0d%0aSet-Cookie%3A%20x%3D1',
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="next" value="/admin"');
  });

  it('a wrong password is refused; an unknown address gets exactly the same answer, also after many tries', async () => {
    await loginAs(t, 'editor', 'known@landpost.test');
    const attempt = async (email: string, password: string) => {
      const c = new AdminClient(t, email, '198.51.100.7');
      await c.get('/admin/login');
      const res = await c.post('/admin/login', { email, password });
      // The page shows the address typed in and a fresh form token; the rest must not differ.
      const body = res.body
        .replaceAll(email, 'EMAIL')
        .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="TOKEN"');
      return { status: res.statusCode, body, cookie: [res.headers['set-cookie']].flat().join() };
    };
    for (let i = 0; i < 12; i++) {
      const known = await attempt('known@landpost.test', 'wrong password 123');
      const unknown = await attempt('unknown@landpost.test', 'wrong password 123');
      expect(known.status, `attempt ${i + 1}`).toBe(401);
      expect(unknown, `attempt ${i + 1}`).toMatchObject({ status: 401, body: known.body });
      expect(known.body).toContain('E-Mail-Adresse oder Passwort stimmen nicht.');
      expect(known.cookie).not.toContain('lp_admin=');
    }
    // Now this address must wait: the right password gets the very same answer, and no session.
    const right = await attempt('known@landpost.test', PASSWORD);
    const unknown = await attempt('unknown@landpost.test', PASSWORD);
    expect(right).toMatchObject({ status: 401, body: unknown.body });
    expect(right.cookie).not.toContain('lp_admin=');
    expect(right.body).not.toMatch(/gesperrt|locked/i);
  });

  it('an address hammering an account does not keep its owner out; that address waits longer after each miss', async () => {
    await loginAs(t, 'admin', 'target@landpost.test');
    const attacker = new AdminClient(t, 'target@landpost.test', '203.0.113.66');
    const guess = async (password: string) => {
      await attacker.get('/admin/login');
      return attacker.post('/admin/login', { email: 'target@landpost.test', password });
    };
    const throttle = () =>
      sql<{ failures: number; blocked_until: number | null }>(
        "select failures, blocked_until from login_throttles where account = 'target@landpost.test' and ip = '203.0.113.66'",
      )[0];
    for (let i = 0; i < 20; i++) expect((await guess(`guess number ${i}`)).statusCode).toBe(401);
    // Five misses, then a minute's wait; guesses while waiting are not even checked.
    expect(throttle()!.failures).toBe(5);
    expect(throttle()!.blocked_until).toBeGreaterThan(Date.now() + 50_000);
    expect(throttle()!.blocked_until).toBeLessThanOrEqual(Date.now() + 60_000);
    // The attacker's address waits, even with the right password …
    const right = await guess(PASSWORD);
    expect(right.statusCode).toBe(401);
    expect(right.body).toContain('E-Mail-Adresse oder Passwort stimmen nicht.');
    // … the owner, from their own address, is let in at once.
    const owner = new AdminClient(t, 'target@landpost.test', '192.0.2.10');
    expect((await owner.login()).statusCode).toBe(303);
    expect((await owner.get('/admin')).statusCode).toBe(200);

    // When the minute is over, the next miss costs two minutes.
    t.runtime.database.sqlite
      .prepare("update login_throttles set blocked_until = ? where ip = '203.0.113.66'")
      .run(Date.now() - 1);
    expect((await guess('one more guess')).statusCode).toBe(401);
    expect(throttle()!.failures).toBe(6);
    expect(throttle()!.blocked_until).toBeGreaterThan(Date.now() + 110_000);
  });

  it('the session cookie is HttpOnly, limited to /admin, and logout ends the session', async () => {
    const c = await loginAs(t, 'viewer');
    const cookie = c.jar.get('lp_admin')!;
    expect(
      sql('select * from sessions where user_id = (select id from users where email = ?)', c.email),
    ).toHaveLength(1);
    await c.get('/admin');
    const out = await c.post('/admin/logout');
    expect(out.statusCode).toBe(303);
    expect(
      sql('select * from sessions where user_id = (select id from users where email = ?)', c.email),
    ).toHaveLength(0);
    const reuse = await t.app.inject({
      method: 'GET',
      url: '/admin',
      headers: { cookie: `lp_admin=${cookie}` },
    });
    expect(reuse.statusCode).toBe(303);
    expect(reuse.headers.location).toContain('/admin/login');
  });

  it('sets the session cookie with HttpOnly and SameSite', async () => {
    const c = new AdminClient(t, 'cookie@landpost.test');
    await loginAs(t, 'viewer', 'cookie@landpost.test');
    await c.get('/admin/login');
    const res = await c.post('/admin/login', { email: 'cookie@landpost.test', password: PASSWORD });
    const header = [res.headers['set-cookie']]
      .flat()
      .find((h) => String(h).startsWith('lp_admin='));
    expect(header).toMatch(/HttpOnly/i);
    expect(header).toMatch(/SameSite=Lax/i);
    expect(header).toMatch(/Path=\/admin/);
  });

  it('an expired session sends the user back to the login page', async () => {
    const c = await loginAs(t, 'editor');
    expect((await c.get('/admin')).statusCode).toBe(200);
    t.runtime.database.sqlite
      .prepare(
        'update sessions set expires_at = ? where user_id = (select id from users where email = ?)',
      )
      .run(Date.now() - 1000, c.email);
    const res = await c.get('/admin');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain('/admin/login');
  });
});

describe('CSRF', () => {
  it('refuses a state change without the form token or with a wrong one', async () => {
    const admin = await loginAs(t, 'admin');
    await admin.get('/admin/tokens');
    const none = await admin.post('/admin/tokens', { name: 'no token', role: 'viewer' }, null);
    expect(none.statusCode).toBe(403);
    const wrong = await admin.post(
      '/admin/tokens',
      { name: 'wrong token', role: 'viewer' },
      'forged-token',
    );
    expect(wrong.statusCode).toBe(403);
    expect(sql("select * from api_tokens where name in ('no token', 'wrong token')")).toHaveLength(
      0,
    );
    const ok = await admin.post('/admin/tokens', { name: 'with token', role: 'viewer' });
    expect(ok.statusCode).toBe(200);
    expect(sql("select * from api_tokens where name = 'with token'")).toHaveLength(1);
  });
});

describe('CSRF tokens belong to a session', () => {
  const postRaw = (cookie: string, fields: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: '/admin/tokens',
      headers: {
        cookie,
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams(fields).toString(),
    });

  it("a visitor's token and cookie from the login page are refused with an admin's session", async () => {
    const visitor = new AdminClient(t, 'visitor@landpost.test');
    await visitor.get('/admin/login');
    const tossed = { cookie: visitor.jar.get('lp_csrf')!, token: visitor.csrf };
    expect(tossed.cookie).toBeTruthy();
    expect(tossed.token).toBeTruthy();

    const admin = await loginAs(t, 'admin');
    await admin.get('/admin/tokens');
    const forged = await postRaw(
      `lp_admin=${admin.jar.get('lp_admin')}; lp_csrf=${tossed.cookie}`,
      {
        name: 'tossed cookie',
        role: 'admin',
        _csrf: tossed.token,
      },
    );
    expect(forged.statusCode).toBe(403);
    expect(sql("select * from api_tokens where name = 'tossed cookie'")).toHaveLength(0);

    const own = await admin.post('/admin/tokens', { name: 'own form token', role: 'viewer' });
    expect(own.statusCode).toBe(200);
    expect(sql("select * from api_tokens where name = 'own form token'")).toHaveLength(1);
  });

  it('the token from before login no longer works after login', async () => {
    const email = 'renew@landpost.test';
    await loginAs(t, 'admin', email);
    const c = new AdminClient(t, email);
    await c.get('/admin/login');
    const before = { cookie: c.jar.get('lp_csrf')!, token: c.csrf };
    expect((await c.post('/admin/login', { email, password: PASSWORD })).statusCode).toBe(303);

    const withOldCookie = await postRaw(
      `lp_admin=${c.jar.get('lp_admin')}; lp_csrf=${before.cookie}`,
      {
        name: 'pre-login token',
        role: 'viewer',
        _csrf: before.token,
      },
    );
    expect(withOldCookie.statusCode).toBe(403);
    const asTheBrowserHasIt = await c.post(
      '/admin/tokens',
      { name: 'pre-login token', role: 'viewer' },
      before.token,
    );
    expect(asTheBrowserHasIt.statusCode).toBe(403);
    expect(sql("select * from api_tokens where name = 'pre-login token'")).toHaveLength(0);

    await c.get('/admin/tokens');
    expect(c.csrf).not.toBe(before.token);
    const fresh = await c.post('/admin/tokens', { name: 'post-login token', role: 'viewer' });
    expect(fresh.statusCode).toBe(200);
  });
});

describe('roles', () => {
  it('viewer and editor cannot reach admin-only pages; admin can', async () => {
    const viewer = await loginAs(t, 'viewer');
    const editor = await loginAs(t, 'editor');
    const admin = await loginAs(t, 'admin');
    for (const path of ['/admin/users', '/admin/tokens', '/admin/audit', '/admin/mail']) {
      expect((await viewer.get(path)).statusCode, `viewer ${path}`).toBe(403);
      expect((await editor.get(path)).statusCode, `editor ${path}`).toBe(403);
      expect((await admin.get(path)).statusCode, `admin ${path}`).toBe(200);
    }
    const nav = (await viewer.get('/admin')).body;
    expect(nav).not.toContain('href="/admin/users"');
    expect((await admin.get('/admin')).body).toContain('href="/admin/users"');
  });

  it('a viewer cannot change anything: POSTs are refused even with a valid token', async () => {
    const viewer = await loginAs(t, 'viewer');
    await viewer.get('/admin');
    const res = await viewer.post('/admin/tokens', { name: 'viewer made', role: 'admin' });
    expect(res.statusCode).toBe(403);
    const users = await viewer.post('/admin/users', {
      email: 'new@landpost.test',
      role: 'admin',
      password: PASSWORD,
    });
    expect(users.statusCode).toBe(403);
    expect(sql("select * from users where email = 'new@landpost.test'")).toHaveLength(0);
  });

  it('an admin adds a user, changes a role; the last admin cannot be demoted; all is audited', async () => {
    const admin = await loginAs(t, 'admin', 'boss@landpost.test');
    await admin.get('/admin/users');
    const bad = await admin.post('/admin/users', {
      email: 'not-an-address',
      role: 'editor',
      password: PASSWORD,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="email-error"');
    const created = await admin.post('/admin/users', {
      email: 'staff@landpost.test',
      name: 'Staff',
      role: 'editor',
      password: PASSWORD,
    });
    expect(created.statusCode).toBe(303);
    const [staff] = sql<{ id: number; role: string }>(
      "select id, role from users where email = 'staff@landpost.test'",
    );
    expect(staff!.role).toBe('editor');
    await admin.get('/admin/users');
    await admin.post(`/admin/users/${staff!.id}`, { role: 'viewer' });
    expect(sql<{ role: string }>('select role from users where id = ?', staff!.id)[0]!.role).toBe(
      'viewer',
    );
    const audit = sql<{ action: string; entity: string; entity_id: string; actor: string }>(
      "select action, entity, entity_id, actor from audit_log where entity = 'user' and entity_id = ? order by id",
      String(staff!.id),
    );
    expect(audit.map((a) => a.action)).toEqual(['create', 'update']);
    expect(audit[0]!.actor).toBe('boss@landpost.test');
    const page = await admin.get('/admin/audit?entity=user');
    expect(page.body).toContain('boss@landpost.test');
  });

  it('the only active admin cannot demote or disable themself', async () => {
    const solo = await startTestApp();
    try {
      const admin = await loginAs(solo, 'admin', 'only@landpost.test');
      await admin.get('/admin/users');
      const [me] = solo.runtime.database.sqlite
        .prepare("select id from users where email = 'only@landpost.test'")
        .all() as {
        id: number;
      }[];
      const res = await admin.post(`/admin/users/${me!.id}`, { role: 'viewer' });
      expect(res.headers.location).toContain('notice=lastAdmin');
      expect(
        (
          solo.runtime.database.sqlite
            .prepare('select role from users where id = ?')
            .get(me!.id) as { role: string }
        ).role,
      ).toBe('admin');
    } finally {
      await solo.close();
    }
  });
});

describe('account', () => {
  it('password change needs the current password and ends other sessions', async () => {
    const a = await loginAs(t, 'editor', 'pw@landpost.test');
    const other = new AdminClient(t, 'pw@landpost.test');
    await other.login();
    expect((await other.get('/admin')).statusCode).toBe(200);
    await a.get('/admin/account');
    const wrong = await a.post('/admin/account/password', {
      current: 'not my password',
      password: 'a brand new password',
      password2: 'a brand new password',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('id="current-error"');
    const ok = await a.post('/admin/account/password', {
      current: PASSWORD,
      password: 'a brand new password',
      password2: 'a brand new password',
    });
    expect(ok.statusCode).toBe(303);
    expect((await a.get('/admin')).statusCode).toBe(200);
    expect((await other.get('/admin')).statusCode).toBe(303);
    const fresh = new AdminClient(t, 'pw@landpost.test');
    expect((await fresh.login('a brand new password')).statusCode).toBe(303);
  });

  it('a taken-over session cannot guess the current password on and on: misses count like wrong logins', async () => {
    const owner = await loginAs(t, 'editor', 'pw.check@landpost.test');
    const sessions = () =>
      sql(
        'select * from sessions where user_id = (select id from users where email = ?)',
        owner.email,
      );
    // Somebody else uses the owner's session cookie from another address.
    const thief = new AdminClient(t, owner.email, '203.0.113.50');
    thief.jar.store({ cookies: [{ name: 'lp_admin', value: owner.jar.get('lp_admin')! }] });
    expect((await thief.get('/admin/account')).statusCode).toBe(200);
    const change = { password: 'a brand new password', password2: 'a brand new password' };
    for (let i = 0; i < 5; i++) {
      const wrong = await thief.post('/admin/account/password', {
        ...change,
        current: `guess number ${i}`,
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.body).toContain('Das aktuelle Passwort stimmt nicht.');
    }
    expect(
      sql<{ failures: number }>(
        "select failures from login_throttles where account = ? and ip = '203.0.113.50'",
        owner.email,
      ),
    ).toEqual([{ failures: 5 }]);
    // From there even the right password is no longer checked, on this form or at the login.
    const right = await thief.post('/admin/account/password', { ...change, current: PASSWORD });
    expect(right.statusCode).toBe(400);
    expect(right.body).toContain('Zu viele falsche Eingaben.');
    expect((await new AdminClient(t, owner.email, '203.0.113.50').login()).statusCode).toBe(401);
    expect(sessions()).toHaveLength(1);
    // The owner, from their own address, is not held up.
    await owner.get('/admin/account');
    const ok = await owner.post('/admin/account/password', { ...change, current: PASSWORD });
    expect(ok.statusCode).toBe(303);
    expect(sessions()).toHaveLength(1);
    expect((await new AdminClient(t, owner.email).login()).statusCode).toBe(401);
    expect((await new AdminClient(t, owner.email).login('a brand new password')).statusCode).toBe(
      303,
    );
  });

  it('TOTP: set up with a code, then login needs the second factor', async () => {
    const a = await loginAs(t, 'editor', 'totp@landpost.test');
    await a.get('/admin/account');
    const unconfirmed = await a.post('/admin/account/totp/start', { confirm: 'not my password' });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.body).toContain('id="confirm-error"');
    expect(await a.post('/admin/account/totp/start', { confirm: PASSWORD })).toMatchObject({
      statusCode: 303,
    });
    const page = await a.get('/admin/account');
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(page.body)?.[1];
    expect(secret).toBeTruthy();
    // Stored sealed, never as the plain secret.
    const [stored] = sql<{ totp_secret: string }>(
      "select totp_secret from users where email = 'totp@landpost.test'",
    );
    expect(stored!.totp_secret.startsWith('v1.')).toBe(true);
    expect(stored!.totp_secret).not.toContain(secret!);
    const wrong = await a.post('/admin/account/totp/enable', { code: '000000' });
    expect(wrong.statusCode).toBe(400);
    const ok = await a.post('/admin/account/totp/enable', { code: currentTotp(secret!) });
    expect(ok.statusCode).toBe(303);

    const b = new AdminClient(t, 'totp@landpost.test');
    const login = await b.login();
    expect(login.headers.location).toContain('/admin/login/totp');
    // Password alone is not enough.
    expect((await b.get('/admin/subscribers')).headers.location).toBe('/admin/login/totp');
    await b.get('/admin/login/totp');
    expect((await b.post('/admin/login/totp', { code: '123456' })).statusCode).toBe(401);
    // The code that switched it on is used up; the app's next code (30 seconds on) is accepted.
    expect((await b.post('/admin/login/totp', { code: currentTotp(secret!) })).statusCode).toBe(
      401,
    );
    const next = currentTotp(secret!, Date.now() + 30_000);
    const done = await b.post('/admin/login/totp', { code: next });
    expect(done.statusCode).toBe(303);
    expect((await b.get('/admin')).statusCode).toBe(200);

    // The same code, seen over the shoulder, does not complete a second login.
    const replay = new AdminClient(t, 'totp@landpost.test', '203.0.113.77');
    expect((await replay.login()).headers.location).toContain('/admin/login/totp');
    const again = await replay.post('/admin/login/totp', { code: next });
    expect(again.statusCode).toBe(401);
    expect(again.body).toContain('id="code-error"');
    expect((await replay.get('/admin')).headers.location).toBe('/admin/login/totp');

    // The phone is lost: an admin switches the second factor off; the password alone works again.
    const admin = await loginAs(t, 'admin');
    const [row] = sql<{ id: number }>("select id from users where email = 'totp@landpost.test'");
    const list = await admin.get('/admin/users');
    expect(list.body).toContain(`/admin/users/${row!.id}/reset-totp`);
    expect((await admin.post(`/admin/users/${row!.id}/reset-totp`)).statusCode).toBe(303);
    expect((await b.get('/admin')).statusCode).toBe(303);
    const c = new AdminClient(t, 'totp@landpost.test');
    expect((await c.login()).headers.location).toBe('/admin');
  });
});

describe('second factor under a taken-over session', () => {
  it('switching it off or setting it up anew needs the password or a current code', async () => {
    const owner = await loginAs(t, 'editor', 'totp.keep@landpost.test');
    await owner.get('/admin/account');
    await owner.post('/admin/account/totp/start', { confirm: PASSWORD });
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(
      (await owner.get('/admin/account')).body,
    )![1]!;
    expect(
      (await owner.post('/admin/account/totp/enable', { code: currentTotp(secret) })).statusCode,
    ).toBe(303);
    const state = () =>
      sql<{ totp_enabled: number; totp_secret: string }>(
        'select totp_enabled, totp_secret from users where email = ?',
        owner.email,
      )[0]!;
    const before = state();
    expect(before.totp_enabled).toBe(1);

    // Somebody else has the session cookie, but neither the password nor the phone.
    const thief = new AdminClient(t, owner.email, '203.0.113.88');
    thief.jar.store({ cookies: [{ name: 'lp_admin', value: owner.jar.get('lp_admin')! }] });
    expect((await thief.get('/admin/account')).statusCode).toBe(200);
    for (const [path, fields] of [
      ['/admin/account/totp/disable', {}],
      ['/admin/account/totp/disable', { confirm: 'a guessed password' }],
      ['/admin/account/totp/disable', { confirm: '123456' }],
      ['/admin/account/totp/start', {}],
      ['/admin/account/totp/start', { confirm: 'another guess at it' }],
    ] as const) {
      const res = await thief.post(path, fields);
      expect(res.statusCode, `${path} ${JSON.stringify(fields)}`).toBe(400);
      expect(res.body).toContain('id="confirm-error"');
    }
    expect(state()).toEqual(before);
    // Those were five misses from that address: now it must wait, even with the password.
    const waiting = await thief.post('/admin/account/totp/disable', { confirm: PASSWORD });
    expect(waiting.statusCode).toBe(400);
    expect(waiting.body).toContain('Zu viele falsche Eingaben.');
    expect(state()).toEqual(before);

    // The owner switches it off with a current code.
    expect((await owner.get('/admin/account')).body).toContain('name="confirm"');
    const off = await owner.post('/admin/account/totp/disable', {
      confirm: currentTotp(secret, Date.now() + 30_000),
    });
    expect(off.statusCode).toBe(303);
    expect(state()).toMatchObject({ totp_enabled: 0, totp_secret: null });
  });
});

describe('API tokens in the UI', () => {
  it('an admin creates a token, sees it once, it works on the API, and revoking stops it', async () => {
    const admin = await loginAs(t, 'admin');
    await admin.get('/admin/tokens');
    const res = await admin.post('/admin/tokens', { name: 'reporting', role: 'viewer' });
    const token = /<code class="secret" id="new-token">([^<]+)<\/code>/.exec(res.body)?.[1];
    expect(token).toMatch(/^lp_/);
    const list = await admin.get('/admin/tokens');
    expect(list.body).not.toContain(token!);
    const api = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers?email=a@b.org',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(api.statusCode).toBe(200);
    const [row] = sql<{ id: number; last_used_at: number | null }>(
      "select id, last_used_at from api_tokens where name = 'reporting'",
    );
    expect(row!.last_used_at).not.toBeNull();
    await admin.post(`/admin/tokens/${row!.id}/revoke`);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers?email=a@b.org',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
  });
  it('the API accepts the Bearer scheme in any letter case', async () => {
    const admin = await loginAs(t, 'admin');
    await admin.get('/admin/tokens');
    const res = await admin.post('/admin/tokens', { name: 'any case', role: 'viewer' });
    const token = /<code class="secret" id="new-token">([^<]+)<\/code>/.exec(res.body)?.[1];
    expect(token).toMatch(/^lp_/);
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const api = await t.app.inject({
        method: 'GET',
        url: '/api/v1/subscribers?email=a@b.org',
        headers: { authorization: `${scheme} ${token}` },
      });
      expect(api.statusCode, scheme).toBe(200);
    }
    const basic = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subscribers?email=a@b.org',
      headers: { authorization: `Basic ${token}` },
    });
    expect(basic.statusCode).toBe(401);
  });
});

describe('login rate limit', () => {
  it('the 4th login attempt from one address within 5 minutes gets 429 (LOGIN_RATE_LIMIT=3)', async () => {
    const limited = await startTestApp({ env: { LOGIN_RATE_LIMIT: '3' } });
    try {
      const c = new AdminClient(limited, 'someone@landpost.test');
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        await c.get('/admin/login');
        codes.push(
          (
            await c.post('/admin/login', {
              email: 'someone@landpost.test',
              password: 'wrong password 1',
            })
          ).statusCode,
        );
      }
      expect(codes).toEqual([401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it('the password change form is limited the same way (LOGIN_RATE_LIMIT=3)', async () => {
    const limited = await startTestApp({ env: { LOGIN_RATE_LIMIT: '3' } });
    try {
      const c = await loginAs(limited, 'viewer');
      await c.get('/admin/account');
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await c.post('/admin/account/password', {
          current: `guess number ${i}`,
          password: 'a brand new password',
          password2: 'a brand new password',
        });
        codes.push(res.statusCode);
      }
      expect(codes).toEqual([400, 400, 400, 429]);
    } finally {
      await limited.close();
    }
  });
});
