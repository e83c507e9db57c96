/**
 * `npm start` as the README promises it (server/index.ts): nothing configured but a data
 * directory and a port, so Landpost starts its own redis-server and catches mail itself. The
 * first admin comes from the CLI; a person signs up through the HTML form; the confirmation
 * mail shows up in the admin UI's mail catcher; SIGTERM stops everything with exit status 0.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { HttpAdminClient } from '../helpers/admin.js';

const root = new URL('../../', import.meta.url).pathname;
const MIN_FILL_SECONDS = 1;
const READY_SECONDS = 90;
const MAIL_SECONDS = 30;
const STOP_SECONDS = 20;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Processes in a process group (from /proc, as ps may be missing), zombies left out. */
function processGroup(pgid: number): { pid: number; argv: string[] }[] {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[2]) !== pgid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      found.push({ pid: Number(entry), argv });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** `name`/`value` of every hidden input of the form that asks for an e-mail address. */
function hiddenFields(html: string): URLSearchParams {
  const form = html
    .split(/<form\b/i)
    .find((part) => /name="email"/.test(part.split('</form>')[0]!));
  if (!form) throw new Error('the page has no form with an email field');
  const fields = new URLSearchParams();
  for (const input of form.split('</form>')[0]!.match(/<input\b[^>]*>/gi) ?? []) {
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    if (name && /\btype="hidden"/i.test(input)) {
      fields.set(name, (/\bvalue="([^"]*)"/.exec(input)?.[1] ?? '').replace(/&amp;/g, '&'));
    }
  }
  return fields;
}

describe('npm start with no REDIS_URL and no SMTP_URL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-test-start-'));
  const logFile = join(dir, 'server.log');
  const admin = { email: 'first-admin@example.org', password: `start-${process.pid}-password` };
  let env: NodeJS.ProcessEnv;
  let base = '';
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const { REDIS_URL: _redis, SMTP_URL: _smtp, NODE_ENV: _env, ...inherited } = process.env;
    env = {
      ...inherited,
      DATA_DIR: join(dir, 'data'),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info', // the test reads the log for "stopped"
      // Keep the bot check but make the wait short.
      MIN_FILL_SECONDS: String(MIN_FILL_SECONDS),
    };
  });

  afterAll(async () => {
    // Whatever happened: nothing of the server's process group outlives the test.
    const pgid = server?.pid;
    if (pgid && processGroup(pgid).length) {
      process.kill(-pgid, 'SIGTERM');
      for (let i = 0; i < 20 && processGroup(pgid).length; i++) await pause(100);
      if (processGroup(pgid).length) process.kill(-pgid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a person up through the form, catches the mail, and stops cleanly on SIGTERM', async () => {
    onTestFailed(() => {
      if (existsSync(logFile)) console.log(`--- server log ---\n${readFileSync(logFile, 'utf8')}`);
    });

    // The first admin account, made with the CLI as the README says.
    const created = await promisify(execFile)(
      process.execPath,
      ['bin/landpost.js', 'admin', 'create', '--email', admin.email, '--password', admin.password],
      { cwd: root, env },
    );
    expect(created.stdout).toContain(`created admin account #1 for ${admin.email}`);

    // `npm start` in a process group of its own: the redis-server it starts belongs to it too.
    const log = openSync(logFile, 'w');
    server = spawn('npm', ['start'], {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const started = server;
    const exited = new Promise<number | null>((resolve) => started.once('exit', resolve));
    const pgid = server.pid!;

    let last = 'no answer yet';
    const readyBy = Date.now() + READY_SECONDS * 1000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`npm start exited before /readyz (${last})`);
      try {
        const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5_000) });
        last = `${res.status} ${await res.text()}`;
        if (res.status === 200) break;
      } catch (err) {
        last = String((err as Error & { cause?: { code?: string } }).cause?.code ?? err);
      }
      if (Date.now() > readyBy) throw new Error(`/readyz not 200 in ${READY_SECONDS} s: ${last}`);
      await pause(250);
    }

    // Sign up as a browser would: the form's hidden fields and cookies go back as they came.
    const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const fields = hiddenFields(await page.text());
    expect(fields.has('startedAt')).toBe(true);
    const email = `start-${Date.now()}@example.org`;
    fields.set('email', email);
    fields.set('language', 'de');
    fields.set('consent', 'yes');
    fields.set('website', '');
    // A person takes a moment to fill the form; faster posts are shown the form again.
    await pause(MIN_FILL_SECONDS * 1000 + 200);
    const signup = await fetch(`${base}/`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        referer: `${base}/`,
        ...(cookie ? { cookie } : {}),
      },
      body: fields.toString(),
    });
    expect(signup.status, await signup.clone().text()).toBe(200);
    expect(await signup.text()).toContain(email);

    // The confirmation mail arrives in the mail catcher, read in the admin UI.
    const client = new HttpAdminClient(base, admin.email);
    expect((await client.login(admin.password)).statusCode).toBe(303);
    const mailBy = Date.now() + MAIL_SECONDS * 1000;
    let caught = '';
    while (!caught.includes(email)) {
      if (Date.now() > mailBy) throw new Error(`no mail to ${email} in /admin/mail`);
      await pause(250);
      const res = await client.get('/admin/mail');
      expect(res.statusCode).toBe(200);
      caught = res.body;
    }
    const row = caught.split('<tr>').find((r) => r.includes(email));
    expect(row?.split('</tr>')[0]).toMatch(/bestätigen/i);

    // npm does not pass SIGTERM on to its script: signal the node process running the server.
    const running = processGroup(pgid);
    // Programs may rewrite their title (npm: "npm start", redis: "redis-server HOST:PORT").
    const program = (p: (typeof running)[number]) => basename((p.argv[0] ?? '').split(' ')[0]!);
    expect(running.map(program), 'the embedded redis-server').toContain('redis-server');
    const node = running.find((p) => program(p) === 'node' && p.argv.includes('server/index.ts'));
    expect(node, JSON.stringify(running)).toBeDefined();
    process.kill(node!.pid, 'SIGTERM');
    const code = await Promise.race([exited, pause(STOP_SECONDS * 1000).then(() => 'timeout')]);
    expect(code).toBe(0);
    for (let i = 0; i < 20 && processGroup(pgid).length; i++) await pause(250);
    expect(processGroup(pgid)).toEqual([]);
    expect(readFileSync(logFile, 'utf8')).toContain('stopped');
  }, 180_000);
});
