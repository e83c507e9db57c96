/**
 * What a person does for themself, against a real SQLite file and Redis: sign up (new, again
 * within the cool-down, already confirmed, blocked), confirm, single opt-in lists, unsubscribe,
 * change their own profile, and the per-address sign-up limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../../../server/services/subscribers/index.js';
import { startServiceTest, type ServiceTest } from './_service.js';

let t: ServiceTest;

const profile: Profile = {
  name: 'Erika Mustermann',
  regionKey: '15085',
  roleKeys: ['volunteer'],
  topicKeys: ['funding'],
  language: 'de',
  trackingConsent: false,
};
const meta = { ip: '198.51.100.7', userAgent: 'test', channel: 'web-form', source: 'test' };

const person = (email: string) =>
  t.sql<{ id: number; status: string; name: string; region_key: string | null }>(
    'select id, status, name, region_key from subscribers where email = ?',
    email,
  )[0];
const consentKinds = (id: number) =>
  t
    .sql<{ kind: string; channel: string }>(
      'select kind, channel from consent_events where subscriber_id = ? order by id',
      id,
    )
    .map((e) => `${e.kind}/${e.channel}`);
const mailsTo = async (id: number) =>
  (await t.queuedMails()).filter((m) => m.subscriberId === id).map((m) => m.name);

/** As the mail worker does before sending, then as the person does with the link. */
async function confirmByLink(id: number, token: string) {
  t.service.signup.issueConfirmToken(id, token);
  return t.service.signup.confirm(token, { ...meta, channel: 'confirmation-link' });
}

beforeAll(async () => {
  t = await startServiceTest();
});
afterAll(async () => {
  await t?.close();
});

describe('sign-up', () => {
  it('a new address: stored unconfirmed with its profile, consent recorded, confirmation queued', async () => {
    const outcome = await t.service.signup.signUp({ email: ' New@Example.org ', profile, meta });
    expect(outcome).toBe('confirmation');
    const row = person('new@example.org')!;
    expect(row).toMatchObject({
      status: 'unconfirmed',
      name: 'Erika Mustermann',
      region_key: '15085',
    });
    expect(consentKinds(row.id)).toEqual(['signup/web-form']);
    const [signup] = t.sql<{ consent_text_version: string }>(
      'select consent_text_version from consent_events where subscriber_id = ?',
      row.id,
    );
    expect(signup!.consent_text_version).toMatch(/^.+\.[0-9a-f]{8}$/);
    expect(await mailsTo(row.id)).toEqual(['confirmation']);
  });

  it('again within the cool-down: the profile is refreshed, no second mail', async () => {
    const outcome = await t.service.signup.signUp({
      email: 'new@example.org',
      profile: { ...profile, name: 'Erika M.' },
      meta,
    });
    expect(outcome).toBe('cooldown');
    const row = person('new@example.org')!;
    expect(row.name).toBe('Erika M.');
    expect(await mailsTo(row.id)).toEqual(['confirmation']);
  });

  it('confirm: once, with a welcome mail; the same link again says so and does nothing', async () => {
    const { id } = person('new@example.org')!;
    const confirmed = await confirmByLink(id, 'token-of-new');
    expect(confirmed).toMatchObject({ kind: 'confirmed', subscriber: { status: 'confirmed' } });
    expect(person('new@example.org')!.status).toBe('confirmed');
    expect(consentKinds(id)).toContain('confirmed/confirmation-link');
    expect(await mailsTo(id)).toEqual(['confirmation', 'welcome']);
    expect(await t.service.signup.confirm('token-of-new', meta)).toMatchObject({
      kind: 'already-confirmed',
      subscriber: { id },
    });
    expect(t.service.signup.peekConfirmToken('token-of-new')?.kind).toBe('already-confirmed');
    expect(consentKinds(id).filter((k) => k.startsWith('confirmed/'))).toHaveLength(1);
    expect(await mailsTo(id)).toEqual(['confirmation', 'welcome']);
    expect(await t.service.signup.confirm('token-of-nobody', meta)).toBeUndefined();
    expect(t.service.signup.peekConfirmToken('token-of-nobody')).toBeUndefined();
  });

  it('an address already confirmed gets its preferences link instead, and keeps its profile', async () => {
    const { id } = person('new@example.org')!;
    // The cool-down of the last mail is over.
    t.run(
      'update subscribers set last_confirmation_at = ? where id = ?',
      Date.now() - 3_600_000,
      id,
    );
    const outcome = await t.service.signup.signUp({
      email: 'new@example.org',
      profile: { ...profile, name: 'Somebody Else' },
      meta,
    });
    expect(outcome).toBe('already-confirmed');
    expect(person('new@example.org')).toMatchObject({ status: 'confirmed', name: 'Erika M.' });
    expect(await mailsTo(id)).toEqual(['confirmation', 'welcome', 'preferences-link']);
  });

  it('a blocked address: nothing changes, no mail', async () => {
    await t.service.signup.signUp({ email: 'blocked@example.org', profile, meta });
    const { id } = person('blocked@example.org')!;
    expect(t.service.manage.block({ actor: t.editor }, id)).toBe(true);
    const outcome = await t.service.signup.signUp({
      email: 'blocked@example.org',
      profile: { ...profile, name: 'Changed' },
      meta,
    });
    expect(outcome).toBe('blocked');
    expect(person('blocked@example.org')).toMatchObject({
      status: 'blocked',
      name: 'Erika Mustermann',
    });
    expect(await mailsTo(id)).toEqual(['confirmation']);
  });

  it('a list without double opt-in: confirmed at once, recorded as single opt-in, welcome queued', async () => {
    t.run("insert into lists (key, name, double_opt_in) values ('direct', 'Direkt', 0)");
    const [{ id: listId }] = t.sql<{ id: number }>("select id from lists where key = 'direct'") as [
      { id: number },
    ];
    const outcome = await t.service.signup.signUp({
      email: 'direct@example.org',
      profile,
      listIds: [listId],
      meta,
    });
    expect(outcome).toBe('confirmation');
    const { id, status } = person('direct@example.org')!;
    expect(status).toBe('confirmed');
    expect(consentKinds(id)).toEqual(['signup/web-form', 'confirmed/single-opt-in']);
    expect(await mailsTo(id)).toEqual(['welcome']);
  });

  it('lets a few sign-ups of one address through per hour, then silently no more', async () => {
    const answers: boolean[] = [];
    for (let i = 0; i < 7; i++)
      answers.push(await t.service.signup.allowAttempt('limit@example.org'));
    expect(answers).toEqual([true, true, true, true, true, false, false]);
    expect(await t.service.signup.allowAttempt('other@example.org')).toBe(true);
  });
});

describe('the person by their links', () => {
  it('changes their own profile; unknown choices are refused field by field', async () => {
    await t.service.signup.signUp({ email: 'own@example.org', profile, meta });
    const { id } = person('own@example.org')!;
    const refused = t.service.signup.updateProfile(
      id,
      { name: 'Erika', regionKey: 'atlantis', roleKeys: ['wizard'] },
      meta,
    );
    expect(refused).toMatchObject({ ok: false });
    expect(Object.keys(refused && !refused.ok ? refused.errors : {}).sort()).toEqual([
      'region',
      'roles',
    ]);
    expect(person('own@example.org')!.region_key).toBe('15085');

    const saved = t.service.signup.updateProfile(
      id,
      { name: 'Erika', regionKey: '15003', roleKeys: ['staff'], trackingConsent: true },
      { ...meta, channel: 'preferences' },
    );
    expect(saved).toMatchObject({
      ok: true,
      subscriber: { regionKey: '15003', roleKeys: ['staff'] },
    });
    expect(consentKinds(id)).toEqual([
      'signup/web-form',
      'preferences_changed/preferences',
      'tracking_granted/preferences',
    ]);
  });

  it('unsubscribes by link: off the list, erased, the consent log keeps the proof', async () => {
    await t.service.signup.signUp({ email: 'leaving@example.org', profile, meta });
    const { id } = person('leaving@example.org')!;
    await confirmByLink(id, 'token-of-leaving');
    const url = t.service.signup.unsubscribeLink(id, null);
    const link = t.service.signup.byUnsubscribeLink(url.split('/u/')[1]!);
    expect(link?.subscriber?.id).toBe(id);
    expect(t.service.signup.unsubscribe(link!.claims, { ...meta, channel: 'one-click' })).toEqual({
      erased: true,
    });
    expect(person('leaving@example.org')).toBeUndefined();
    expect(consentKinds(id)).toEqual([
      'signup/web-form',
      'confirmed/confirmation-link',
      'unsubscribed/one-click',
    ]);
    expect(t.service.signup.byUnsubscribeLink('forged.token')).toBeUndefined();
  });
});

describe('without Redis', () => {
  it('still limits sign-ups per address, counted in the process, and one address in either form', async () => {
    t.queues.connection.disconnect();
    const answers: boolean[] = [];
    for (const address of [
      'down@bücher.de',
      'DOWN@xn--bcher-kva.de',
      'down@bücher.de',
      ' down@BÜCHER.de ',
      'down@xn--bcher-kva.de',
      'down@bücher.de',
    ])
      answers.push(await t.service.signup.allowAttempt(address));
    expect(answers).toEqual([true, true, true, true, true, false]);
    expect(await t.service.signup.allowAttempt('else@example.org')).toBe(true);
  });
});
