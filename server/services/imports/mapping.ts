import { importFields, type ImportField } from '../../../db/queries/imports.js';

/** Which column holds which field: guessed from the header, checked when a person chooses. */

export type { ImportField };
export const IMPORT_FIELDS = importFields;
export const MAPPING_CHOICES: readonly ImportField[] = [...IMPORT_FIELDS, 'ignore'];

/** Lower case, no accents, letters and digits only: "Börde" and "borde" match. */
export const simplify = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]/g, '');

/** Header names (German and English) that point to a field. */
const HEADER_NAMES: Record<Exclude<ImportField, 'ignore'>, string[]> = {
  email: ['email', 'mail', 'emailadresse', 'mailadresse', 'emailaddress', 'adresse', 'address'],
  name: ['name', 'vollername', 'fullname', 'vornameundnachname', 'kontakt', 'contact'],
  region: ['region', 'landkreis', 'kreis', 'ags', 'gemeindeschlussel', 'county', 'district'],
  roles: ['rolle', 'rollen', 'role', 'roles', 'zielgruppe', 'funktion', 'taetigkeit', 'tatigkeit'],
  topics: ['thema', 'themen', 'topic', 'topics', 'interessen', 'interests'],
  language: ['sprache', 'language', 'lang', 'sprachcode'],
};

/** Guess each column's field from its header; every field is used at most once. */
export function guessMapping(headers: string[]): ImportField[] {
  const used = new Set<ImportField>();
  return headers.map((h) => {
    const key = simplify(h);
    const field = (Object.keys(HEADER_NAMES) as Exclude<ImportField, 'ignore'>[]).find(
      (f) => !used.has(f) && HEADER_NAMES[f].includes(key),
    );
    if (!field) return 'ignore';
    used.add(field);
    return field;
  });
}

/** Check the mapping a person chose: one email column, every other field at most once. */
export function mappingProblem(mapping: ImportField[]): 'emailMissing' | 'fieldTwice' | null {
  if (!mapping.includes('email')) return 'emailMissing';
  const used = mapping.filter((m) => m !== 'ignore');
  return new Set(used).size === used.length ? null : 'fieldTwice';
}
