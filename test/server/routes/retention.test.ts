/**
 * Unconfirmed sign-ups are deleted after the retention period (here 5 days, configured), with
 * their sign-up records; confirmed people and fresh sign-ups stay. A job scheduler runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import {
  HTML,
  consentEvents,
  eventually,
  postSignup,
  signUpAndConfirm,
  subscriberByEmail,
  waitForMailTo,
  type SubscriberRow,
} from './_flow.js';

const DAY = 24 * 3600 * 1000;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000', UNCONFIRMED_RETENTION_DAYS: '5' } });
});

afterAll(async () => {
  await t?.close();
});

/** Sign up without confirming; returns the row once the confirmation mail is out. */
async function unconfirmed(email: string): Promise<SubscriberRow> {
  await postSignup(t, { email });
  await waitForMailTo(t, email);
  const row = subscriberByEmail(t, email)!;
  await eventually(
    () => consentEvents(t, row.id).some((e) => e.kind === 'confirmation_sent'),
    'confirmation_sent',
  );
  return row;
}

function age(subscriber: SubscriberRow, days: number) {
  const at = Date.now() - days * DAY;
  t.runtime.database.sqlite
    .prepare(
      'UPDATE subscribers SET created_at = ?, updated_at = ?, last_confirmation_at = ? WHERE id = ?',
    )
    .run(at, at, at, subscriber.id);
}

describe('unconfirmed sign-ups are deleted after the retention period', () => {
  it('purges old unconfirmed sign-ups with their consent events, keeps the rest', async () => {
    const stale = await unconfirmed('stale.unconfirmed@example.org');
    const young = await unconfirmed('young.unconfirmed@example.org');
    const { subscriber: confirmed } = await signUpAndConfirm(t, 'old.confirmed@example.org');
    age(stale, 8);
    age(young, 4);
    age(confirmed, 8);
    const confirmedLog = consentEvents(t, confirmed.id).length;
    expect(consentEvents(t, stale.id).length).toBeGreaterThan(0);

    const purged = t.runtime.services.subscribers.purgeUnconfirmed();

    expect(purged).toBe(1);
    expect(subscriberByEmail(t, 'stale.unconfirmed@example.org')).toBeUndefined();
    expect(consentEvents(t, stale.id)).toEqual([]);
    expect(
      t.runtime.database.sqlite
        .prepare('SELECT count(*) AS n FROM subscriber_tokens WHERE subscriber_id = ?')
        .get(stale.id),
    ).toEqual({ n: 0 });
    expect(subscriberByEmail(t, 'young.unconfirmed@example.org')?.status).toBe('unconfirmed');
    expect(subscriberByEmail(t, 'old.confirmed@example.org')?.status).toBe('confirmed');
    expect(consentEvents(t, confirmed.id)).toHaveLength(confirmedLog);

    // Running it again finds nothing more.
    expect(t.runtime.services.subscribers.purgeUnconfirmed()).toBe(0);
  });

  it('the confirmation link of a purged sign-up no longer works', async () => {
    const email = 'purged.link@example.org';
    const row = await unconfirmed(email);
    const mail = t.smtp.messages.find((m) => m.envelopeTo.includes(email))!;
    const path = new URL(/http:\/\/localhost:3000\/confirm\/\S+/.exec(mail.text ?? '')![0])
      .pathname;
    age(row, 6);
    t.runtime.services.subscribers.purgeUnconfirmed();
    const res = await t.app.inject({ method: 'GET', url: path, headers: HTML });
    expect(res.statusCode).toBe(404);
  });

  // PRODUCT BUG (db/queries/subscribers.ts signUp / purgeUnconfirmed): signing up again keeps
  // the first created_at, and the purge counts from it. Somebody whose old sign-up is about to
  // expire signs up again, gets a fresh confirmation mail — and the next hourly purge deletes
  // the sign-up, so the link in the mail they just received is dead.
  it('a repeated sign-up starts the retention period again', async () => {
    const email = 'again.unconfirmed@example.org';
    const row = await unconfirmed(email);
    // First sign-up just past the retention period, not yet purged (the job runs hourly).
    age(row, 5.01);
    const again = await postSignup(t, { email });
    expect(again.statusCode).toBe(200);
    await t.smtp.waitFor(
      (m) =>
        m.envelopeTo.includes(email) &&
        t.smtp.messages.filter((x) => x.envelopeTo.includes(email)).length === 2,
    );

    t.runtime.services.subscribers.purgeUnconfirmed();

    expect(subscriberByEmail(t, email), 'the fresh sign-up is kept').toBeDefined();
  });

  it('the mails and the privacy notice state the configured period', async () => {
    const email = 'retention.days@example.org';
    await postSignup(t, { email });
    const mail = await waitForMailTo(t, email);
    expect(mail.text).toContain('Wir löschen die Anmeldung nach 5 Tagen.');
    const privacy = await t.app.inject({ method: 'GET', url: '/privacy', headers: HTML });
    expect(privacy.body).toContain('Nicht bestätigte Anmeldungen löschen wir nach 5 Tagen.');
  });

  it('a job scheduler runs the purge', async () => {
    const schedulers = await t.runtime.queues.maintenance.getJobSchedulers();
    const purge = schedulers.find((s) => s.key === 'purge-unconfirmed');
    expect(purge).toBeDefined();
    expect(purge?.name).toBe('purge-unconfirmed');
    expect(Number(purge?.every)).toBeGreaterThan(0);
    expect(Number(purge?.every)).toBeLessThanOrEqual(DAY);
  });
});
