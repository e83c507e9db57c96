/**
 * While Redis is unreachable a person notices nothing: the pages answer as usual, the change is
 * stored, and the mail it owes goes out once Redis is back (the outbox sweep), exactly once.
 * Redis "goes away" for the web process by disconnecting its producer connection; "back" is a
 * second process on the same database with a connection of its own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRuntime, type Runtime } from '../../../server/runtime.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import {
  FORM,
  confirmationPath,
  consentEvents,
  eventually,
  formBody,
  mailsTo,
  pause,
  postSignup,
  signUpAndConfirm,
  subscriberByEmail,
  waitForMailTo,
} from './_flow.js';

let t: TestApp;
let back: Runtime | undefined;

beforeEach(async () => {
  t = await startTestApp({ env: { SIGNUP_RATE_LIMIT: '1000' } });
});

afterEach(async () => {
  await back?.stop();
  back = undefined;
  await t?.close();
});

function redisGoesAway() {
  t.runtime.queues.connection.disconnect();
}

/** Redis is back; the sweep runs two minutes later, and once more after that. */
async function redisIsBackAndSweeps(): Promise<number[]> {
  back = await startRuntime(t.config, 'worker');
  const later = Date.now() + 2 * 60_000;
  return [await back.services.mailOutbox.sweep(later), await back.services.mailOutbox.sweep(later)];
}

const subjectsTo = (email: string) => mailsTo(t, email).map((m) => m.subject);

describe('while Redis is unreachable', () => {
  it('confirming shows the success page and confirms; the welcome mail follows once', async () => {
    const email = 'outage.confirm@example.org';
    await postSignup(t, { email });
    const confirm = await confirmationPath(t, email);
    const { id } = subscriberByEmail(t, email)!;
    await eventually(
      () => consentEvents(t, id).some((e) => e.kind === 'confirmation_sent'),
      'confirmation_sent',
    );

    redisGoesAway();
    const res = await t.app.inject({
      method: 'POST',
      url: confirm,
      headers: FORM,
      payload: formBody({ lang: 'de' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Ihre Anmeldung ist bestätigt');
    expect(subscriberByEmail(t, email)?.status).toBe('confirmed');
    await pause(300);
    expect(subjectsTo(email)).toHaveLength(1);

    expect(await redisIsBackAndSweeps()).toEqual([1, 0]);
    await waitForMailTo(t, email, (m) => m.subject.startsWith('Willkommen'));
    await pause(500);
    expect(subjectsTo(email)).toEqual([
      'Bitte bestätigen Sie Ihre Anmeldung zum Newsletter von Landpost Test e.V.',
      'Willkommen beim Newsletter von Landpost Test e.V.',
    ]);
  });

  it('signing up shows the usual page and stores the sign-up; the confirmation mail follows once', async () => {
    const email = 'outage.signup@example.org';
    redisGoesAway();
    const res = await postSignup(t, { email });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Bitte bestätigen Sie Ihre Anmeldung');
    expect(subscriberByEmail(t, email)?.status).toBe('unconfirmed');
    await pause(300);
    expect(mailsTo(t, email)).toEqual([]);

    expect(await redisIsBackAndSweeps()).toEqual([1, 0]);
    await confirmationPath(t, email);
    await pause(500);
    expect(subjectsTo(email)).toEqual([
      'Bitte bestätigen Sie Ihre Anmeldung zum Newsletter von Landpost Test e.V.',
    ]);
  });
  it('asking for a preferences link: the same answer for a known and an unknown address; the link follows once', async () => {
    const known = 'outage.known@example.org';
    const unknown = 'outage.unknown@example.org';
    const { subscriber } = await signUpAndConfirm(t, known);
    // The cool-down of the last confirmation-type mail is over.
    t.runtime.database.sqlite
      .prepare('UPDATE subscribers SET last_confirmation_at = ? WHERE id = ?')
      .run(Date.now() - 3600_000, subscriber.id);
    const ask = (email: string) =>
      t.app.inject({
        method: 'POST',
        url: '/preferences',
        headers: FORM,
        payload: formBody({ lang: 'de', email }),
      });

    redisGoesAway();
    const forKnown = await ask(known);
    const forUnknown = await ask(unknown);
    expect(forKnown.statusCode).toBe(200);
    expect(forUnknown.statusCode).toBe(200);
    expect(forKnown.body).toContain('ist ein Link zu Ihren Einstellungen unterwegs');
    expect(forUnknown.body).toBe(forKnown.body);

    expect(await redisIsBackAndSweeps()).toEqual([1, 0]);
    const isLink = (m: { subject: string }) => m.subject.startsWith('Ihr Link');
    await waitForMailTo(t, known, isLink);
    await pause(500);
    expect(mailsTo(t, known).filter(isLink)).toHaveLength(1);
    expect(mailsTo(t, unknown)).toEqual([]);
  });
});
