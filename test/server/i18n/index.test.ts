import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasKey, languages, referenceKeys, translator } from '../../../server/i18n/index.js';

/** Keys of one language file, read from disk, so that extra keys show up too. */
type Tree = { [key: string]: string | Tree };
function keysOf(code: string): string[] {
  const file = new URL(`../../../server/i18n/${code}.json`, import.meta.url);
  const walk = (tree: Tree, prefix: string): string[] =>
    Object.entries(tree).flatMap(([k, v]) => {
      const key = prefix ? `${prefix}.${k}` : k;
      return typeof v === 'string' ? [key] : walk(v, key);
    });
  return walk(JSON.parse(readFileSync(file, 'utf8')) as Tree, '');
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}

const reference = referenceKeys();
const de = translator('de');

describe('translations', () => {
  it('has German first and at least English, Arabic and Ukrainian', () => {
    expect(languages[0]?.code).toBe('de');
    expect(languages.map((l) => l.code)).toEqual(expect.arrayContaining(['de', 'en', 'ar', 'uk']));
    expect(reference.length).toBeGreaterThan(50);
  });

  it.each(languages.map((l) => l.code))('%s has every key of de.json and no others', (code) => {
    expect(reference.filter((key) => !hasKey(code, key))).toEqual([]);
    expect(keysOf(code).filter((key) => !reference.includes(key))).toEqual([]);
  });

  it.each(languages.map((l) => l.code))(
    '%s keeps the placeholders of every German text',
    (code) => {
      const t = translator(code);
      const mismatches = reference
        .filter((key) => hasKey(code, key))
        .filter((key) => placeholders(t(key)).join() !== placeholders(de(key)).join())
        .map((key) => `${key}: ${t(key)}`);
      expect(mismatches).toEqual([]);
    },
  );

  it.each(languages.map((l) => l.code))('%s has no empty texts', (code) => {
    const t = translator(code);
    expect(reference.filter((key) => t(key).trim() === '')).toEqual([]);
  });

  it('names each language in itself and gives its direction', () => {
    const byCode = new Map(languages.map((l) => [l.code, l]));
    expect(byCode.get('ar')).toEqual({ code: 'ar', name: 'العربية', dir: 'rtl' });
    expect(byCode.get('uk')).toEqual({ code: 'uk', name: 'Українська', dir: 'ltr' });
    expect(byCode.get('en')).toEqual({ code: 'en', name: 'English', dir: 'ltr' });
    expect(byCode.get('de')).toEqual({ code: 'de', name: 'Deutsch', dir: 'ltr' });
  });

  it('has a label for every role and topic of the seed data', () => {
    const seed = (name: string) =>
      JSON.parse(
        readFileSync(new URL(`../../../db/seed/${name}.json`, import.meta.url), 'utf8'),
      ) as Record<string, { key: string; de: string }[]>;
    const roles = seed('roles').roles ?? [];
    const topics = seed('topics').topics ?? [];
    expect(roles.length).toBeGreaterThan(0);
    expect(topics.length).toBeGreaterThan(0);
    for (const { code } of languages) {
      for (const role of roles) expect(hasKey(code, `domain.roles.${role.key}`)).toBe(true);
      for (const topic of topics) expect(hasKey(code, `domain.topics.${topic.key}`)).toBe(true);
    }
    for (const role of roles) expect(de(`domain.roles.${role.key}`)).toBe(role.de);
    for (const topic of topics) expect(de(`domain.topics.${topic.key}`)).toBe(topic.de);
  });

  it('fills placeholders', () => {
    expect(translator('en')('mail.welcome.subject', { org: 'Netz' })).toBe(
      'Welcome to the newsletter of Netz',
    );
  });
});
