import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flatten, type Translate, type Tree } from './index.js';

/**
 * The admin UI's texts: German first, English second. One folder per language, one file per
 * noun (`admin/de/subscribers.json` → keys `subscribers.*`).
 */
const folder = join(dirname(fileURLToPath(import.meta.url)), 'admin');
const catalogs = new Map<string, Map<string, string>>();

for (const lang of readdirSync(folder).filter((d) => statSync(join(folder, d)).isDirectory())) {
  const merged = new Map<string, string>();
  for (const file of readdirSync(join(folder, lang)).filter((f) => f.endsWith('.json'))) {
    const tree = JSON.parse(readFileSync(join(folder, lang, file), 'utf8')) as Tree;
    flatten(tree, file.slice(0, -'.json'.length), merged);
  }
  catalogs.set(lang, merged);
}

export const ADMIN_LANGUAGES = [...catalogs.keys()].sort((a) => (a === 'de' ? -1 : 1));

export function adminKeys(lang: string): string[] {
  return [...(catalogs.get(lang)?.keys() ?? [])];
}

export function adminTranslator(lang: string): Translate {
  const own = catalogs.get(lang);
  const fallback = catalogs.get('de');
  return (key, vars) => {
    const template = own?.get(key) ?? fallback?.get(key) ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) =>
      name in vars ? String(vars[name]) : m,
    );
  };
}
