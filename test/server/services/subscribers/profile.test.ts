/**
 * The one profile validator: what the sign-up form, the preferences form, the admin forms,
 * the API and the import all accept or refuse, and the API's JSON schema made from its limits.
 */
import { describe, expect, it } from 'vitest';
import { isPlainText } from '../../../../server/services/plain-text.js';
import {
  PROFILE_LIMITS,
  problemMessage,
  profileFromForm,
  normaliseEmail,
  profileJsonSchema,
  validateProfile,
  type ProfileChoices,
  type ProfileRules,
} from '../../../../server/services/subscribers/index.js';

const choices: ProfileChoices = {
  regions: [{ key: '15085' }, { key: '15003' }],
  roles: [{ key: 'volunteer' }, { key: 'staff' }],
  topics: [{ key: 'funding' }],
  lists: [{ id: 1 }, { id: 2 }],
};
const rules: ProfileRules = { fallbackLanguage: 'de', email: true };
const check = (raw: Parameters<typeof validateProfile>[0], r = rules) =>
  validateProfile(raw, choices, r);

describe('validateProfile', () => {
  it('accepts a complete profile and gives it back cleaned', () => {
    const result = check({
      email: '  Erika@Example.org ',
      name: '  Erika Mustermann ',
      regionKey: '15085',
      roleKeys: ['staff', 'volunteer', 'staff'],
      topicKeys: ['funding'],
      language: 'uk',
      trackingConsent: true,
      listIds: [2, '1', 2],
    });
    expect(result.errors).toEqual({});
    expect(result.email).toBe('Erika@Example.org');
    expect(result.listIds).toEqual([2, 1]);
    expect(result.profile).toEqual({
      name: 'Erika Mustermann',
      regionKey: '15085',
      roleKeys: ['staff', 'volunteer'],
      topicKeys: ['funding'],
      language: 'uk',
      trackingConsent: true,
    });
  });

  it('names every unknown key, field by field, and drops it from the profile', () => {
    const result = check({
      email: 'a@example.org',
      regionKey: 'atlantis',
      roleKeys: ['volunteer', 'wizard'],
      topicKeys: ['alchemy'],
      language: 'tlh',
      listIds: [1, 99],
    });
    expect(Object.keys(result.errors).sort()).toEqual([
      'language',
      'lists',
      'region',
      'roles',
      'topics',
    ]);
    expect(result.errors.region).toEqual({
      key: 'signup.errors.region',
      message: 'unknown regionKey atlantis',
    });
    expect(result.errors.roles!.message).toBe('unknown role wizard');
    expect(result.errors.topics!.message).toBe('unknown topic alchemy');
    expect(result.errors.language!.message).toBe('unknown language tlh');
    expect(result.errors.lists!.message).toBe('unknown list 99');
    expect(result.profile).toMatchObject({
      regionKey: null,
      roleKeys: ['volunteer'],
      language: 'de',
    });
    expect(result.listIds).toEqual([1]);
    expect(problemMessage(result.errors)).toContain(
      'unknown regionKey atlantis; unknown role wizard',
    );
  });

  it('refuses names with line breaks or markup, and names that are too long', () => {
    for (const name of ['Evil\r\nBcc: a@b.c', 'Line\nbreak', '<b>bold</b>', 'x'.repeat(101)]) {
      expect(check({ email: 'a@example.org', name }).errors.name, name).toEqual({
        key: 'signup.errors.name',
        message: expect.stringContaining('name'),
      });
    }
    expect(check({ email: 'a@example.org', name: 'ü'.repeat(100) }).errors).toEqual({});
  });

  it('refuses bad and overlong addresses, only where an address is asked for', () => {
    for (const email of [
      '',
      'not an address',
      'a@b',
      '.a@example.org',
      `${'a'.repeat(65)}@example.org`,
    ])
      expect(check({ email }).errors.email?.key, email).toBe('signup.errors.email');
    const long = check({ email: `${'a'.repeat(60)}@${'b'.repeat(200)}.org` });
    expect(long.errors.email?.key).toBe('signup.errors.emailLong');
    expect(long.email).toHaveLength(PROFILE_LIMITS.email);
    expect(check({ email: 'nope' }, { fallbackLanguage: 'de', email: false }).errors).toEqual({});
  });

  it('takes internationalised domains; a non-ASCII local part gets its own problem', () => {
    for (const email of ['anna@bücher.de', 'Anna@XN--BCHER-KVA.DE', 'a@straße.de', 'a@köln.de'])
      expect(check({ email }).errors, email).toEqual({});
    for (const email of ['jürgen@example.de', 'müller@bücher.de'])
      expect(check({ email }).errors.email?.key, email).toBe('signup.errors.emailUnicodeLocal');
    for (const email of ['a@ex%41mple.org', 'a@xn--zz.de', 'a@bü cher.de', 'ü@b', 'a@[::1]'])
      expect(check({ email }).errors.email?.key, email).toBe('signup.errors.email');
  });

  it('wants a list where the form asks for one', () => {
    const result = check({ email: 'a@example.org' }, { ...rules, listsRequired: true });
    expect(result.errors.lists?.key).toBe('signup.errors.lists');
  });

  it('reads the form fields the sign-up, preferences and admin forms post', () => {
    const raw = profileFromForm({
      email: 'a@example.org',
      name: 'Erika',
      region: '',
      roles: ['volunteer', ''],
      topics: 'funding',
      language: '',
      tracking: 'yes',
      lists: ['1', '2'],
    });
    expect(raw).toEqual({
      email: 'a@example.org',
      name: 'Erika',
      regionKey: null,
      roleKeys: ['volunteer'],
      topicKeys: ['funding'],
      language: undefined,
      trackingConsent: true,
      listIds: ['1', '2'],
    });
    expect(check(raw).profile.language).toBe('de');
  });
});

describe("the API's JSON schema", () => {
  it('takes its limits from the validator', () => {
    expect(profileJsonSchema.name.maxLength).toBe(PROFILE_LIMITS.name);
    expect(profileJsonSchema.roleKeys.maxItems).toBe(PROFILE_LIMITS.keys);
    expect(profileJsonSchema.topicKeys.maxItems).toBe(PROFILE_LIMITS.keys);
    expect(profileJsonSchema.listIds.maxItems).toBe(PROFILE_LIMITS.lists);
    expect(profileJsonSchema.language.maxLength).toBe(PROFILE_LIMITS.language);
  });

  it("refuses a name exactly when the validator's plain-text rule does", () => {
    const pattern = new RegExp(profileJsonSchema.name.pattern, 'u');
    const controls = ['\u0000', '\u001b', '\u000b', '\t', '\u007f', '\u0085', '\u2028', '\u202e'];
    for (const name of [
      'Erika',
      'a\rb',
      'a\nb',
      'a<b',
      'a>b',
      'Zoë & Ali',
      '',
      ...controls.map((c) => `a${c}b`),
    ])
      expect(pattern.test(name), JSON.stringify(name)).toBe(isPlainText(name, 1000));
  });
});

describe('normaliseEmail', () => {
  it('gives one form per address: trimmed, lower-case, NFC, the domain in Unicode', () => {
    for (const [given, stored] of [
      ['  Erika@Example.org ', 'erika@example.org'],
      ['Anna@Bücher.DE', 'anna@bücher.de'],
      ['anna@XN--BCHER-KVA.DE', 'anna@bücher.de'],
      ['anna@bu\u0308cher.de', 'anna@bücher.de'],
      ['a@xn--strae-oqa.de', 'a@straße.de'],
      ['not an address', 'not an address'],
    ])
      expect(normaliseEmail(given!), given).toBe(stored);
  });
});
