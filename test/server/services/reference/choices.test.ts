/**
 * What the sign-up and preferences forms offer, per language: active regions, roles and topics
 * with their labels (the database's, else the translation file's, else German) and the
 * public lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFor } from '../../../../server/services/reference/index.js';
import { referenceFixture, type ReferenceFixture } from './setup.js';

let f: ReferenceFixture;

beforeAll(() => {
  f = referenceFixture();
  f.run(
    `insert into roles (key, labels, position) values ('peer', '{"de":"Peer-Beratung","en":"Peer support","uk":"Рівна підтримка"}', 90)`,
  );
  f.run(`insert into roles (key, labels, position) values ('mentor', '{"de":"Mentoring"}', 91)`);
  f.run("update topics set active = 0 where key = 'funding'");
  f.run("update regions set active = 0 where key = '15001'");
  f.run("insert into lists (key, name, is_public) values ('intern', 'Intern', 0)");
});

afterAll(() => f?.close());

const label = (lang: string, key: string) =>
  f.service.formChoices(lang).roles.find((r) => r.key === key)?.label;

describe('formChoices', () => {
  it('labels roles in the language asked for', () => {
    expect(label('de', 'volunteer')).toBe('Ehrenamtlich engagiert');
    expect(label('en', 'volunteer')).toBe('Volunteer');
    // Not in the database in Ukrainian: the translation file has it.
    expect(label('uk', 'volunteer')).toBe('Волонтер / волонтерка');
    expect(label('ar', 'volunteer')).toBe('متطوع/ة');
    // The database's own label wins; with neither, German.
    expect(label('uk', 'peer')).toBe('Рівна підтримка');
    expect(label('ar', 'peer')).toBe('Peer-Beratung');
    expect(label('en', 'mentor')).toBe('Mentoring');
  });

  it('offers only active entries, in their order, and the public lists', () => {
    const choices = f.service.formChoices('de');
    expect(choices.topics.map((t) => t.key)).not.toContain('funding');
    expect(choices.topics.length).toBeGreaterThan(0);
    expect(choices.regions.map((r) => r.key)).not.toContain('15001');
    expect(choices.regions[0]).toMatchObject({ key: '15002', name: 'Halle (Saale)' });
    expect(choices.roles.at(-1)).toEqual({ key: 'mentor', label: 'Mentoring' });
    expect(choices.lists.map((l) => l.key)).toEqual(['newsletter']);
  });
});

describe('labelFor', () => {
  it('falls back to English, then the key, when there is no German label', () => {
    expect(labelFor('topics', { key: 'x-only-en', labels: { en: 'Only English' } }, 'uk')).toBe(
      'Only English',
    );
    expect(labelFor('topics', { key: 'x-nothing', labels: {} }, 'de')).toBe('x-nothing');
  });
});
