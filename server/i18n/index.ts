import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Translations: one JSON file per language in this folder (de.json is the reference and the
 * fallback). Adding a language is adding a file; `_meta` names it and gives its direction.
 */
export type Tree = { [key: string]: string | Tree };

export interface Language {
  code: string;
  name: string;
  dir: 'ltr' | 'rtl';
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

const folder = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_LANGUAGE = 'de';

export function flatten(
  tree: Tree,
  prefix = '',
  out = new Map<string, string>(),
): Map<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}

const catalogs = new Map<string, Map<string, string>>();
const languageList: Language[] = [];

for (const file of readdirSync(folder)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const code = file.slice(0, -'.json'.length);
  const flat = flatten(JSON.parse(readFileSync(join(folder, file), 'utf8')) as Tree);
  catalogs.set(code, flat);
  languageList.push({
    code,
    name: flat.get('_meta.name') ?? code,
    dir: flat.get('_meta.dir') === 'rtl' ? 'rtl' : 'ltr',
  });
}
// German first, then the others in file order.
languageList.sort((a, b) =>
  a.code === DEFAULT_LANGUAGE ? -1 : b.code === DEFAULT_LANGUAGE ? 1 : 0,
);

export const languages: readonly Language[] = languageList;

export function isLanguage(code: unknown): code is string {
  return typeof code === 'string' && catalogs.has(code);
}

export function language(code: string): Language {
  return (
    languageList.find((l) => l.code === code) ??
    languageList.find((l) => l.code === DEFAULT_LANGUAGE)!
  );
}

/** Every key of the reference language, for the completeness test of the other files. */
export function referenceKeys(): string[] {
  return [...(catalogs.get(DEFAULT_LANGUAGE)?.keys() ?? [])];
}

export function hasKey(lang: string, key: string): boolean {
  return catalogs.get(lang)?.has(key) ?? false;
}

export function translator(lang: string): Translate {
  const own = catalogs.get(lang);
  const fallback = catalogs.get(DEFAULT_LANGUAGE);
  return (key, vars) => {
    const template = own?.get(key) ?? fallback?.get(key) ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) =>
      name in vars ? String(vars[name]) : m,
    );
  };
}

/** Pick the best language from an Accept-Language header (q-values honoured). */
export function negotiate(header: string | undefined): string {
  if (!header) return DEFAULT_LANGUAGE;
  const wanted = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((w) => w.tag && w.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of wanted) {
    const base = tag.split('-')[0] ?? '';
    if (catalogs.has(tag)) return tag;
    if (catalogs.has(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}
