import { readFileSync } from 'node:fs';
import type { Db } from '../../../db/client.js';
import * as imports from '../../../db/queries/imports.js';
import type {
  ImportField,
  ImportProblem,
  ImportReport,
  ProblemKind,
} from '../../../db/queries/imports.js';
import * as reference from '../../../db/queries/reference.js';
import { DEFAULT_LANGUAGE, isLanguage, languages } from '../../i18n/index.js';
import { isValidEmail, normaliseEmail, validateProfile } from '../subscribers/index.js';
import { parseCsv, type ParsedCsv } from './decode.js';
import { simplify } from './mapping.js';

/** Every row checked against the mapping and the reference data: the report, before writing. */

export type { ImportProblem, ImportReport, ProblemKind };

export const MAX_REPORTED_PROBLEMS = 100;

const NO_CHOICES = { regions: [], roles: [], topics: [], lists: [] } as const;

/** Region, role and topic cells repeat a lot: remember what each one simplified to. */
function memo(fn: (s: string) => string): (s: string) => string {
  const cache = new Map<string, string>();
  return (s) => {
    let v = cache.get(s);
    if (v === undefined) {
      v = fn(s);
      if (cache.size < 10_000) cache.set(s, v);
    }
    return v;
  };
}

/** Reference data the values in the file are matched against. */
export interface ImportReference {
  regions: { key: string; name: string }[];
  roles: { key: string; labels: Record<string, string> }[];
  topics: { key: string; labels: Record<string, string> }[];
}

export function loadReference(db: Db): ImportReference {
  return {
    regions: reference.listRegions(db),
    roles: reference.listRoles(db),
    topics: reference.listTopics(db),
  };
}

export interface ValidRow {
  index: number;
  email: string;
  name?: string;
  regionKey?: string;
  roleKeys?: string[];
  topicKeys?: string[];
  language?: string;
}

function lookup(entries: [string, string][]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, key] of entries) if (name) map.set(simplify(name), key);
  return map;
}

/** The reference data as lookup tables, built once per file. */
export interface RowRules {
  regions: Map<string, string>;
  roles: Map<string, string>;
  topics: Map<string, string>;
  languages: Map<string, string>;
  simplify: (s: string) => string;
}

export function rowRules(ref: ImportReference): RowRules {
  const regions = lookup(
    ref.regions.flatMap((r) => [[r.key, r.key] as [string, string], [r.name, r.key]]),
  );
  const labelled = (items: ImportReference['roles']) =>
    lookup(
      items.flatMap((i) => [
        [i.key, i.key] as [string, string],
        ...Object.values(i.labels).map((l) => [l, i.key] as [string, string]),
      ]),
    );
  const roles = labelled(ref.roles);
  const topics = labelled(ref.topics);
  const langs = lookup(
    languages.flatMap((l) => [[l.code, l.code] as [string, string], [l.name, l.code]]),
  );
  for (const [name, code] of [
    ['Deutsch', 'de'],
    ['German', 'de'],
    ['Englisch', 'en'],
    ['English', 'en'],
    ['Arabisch', 'ar'],
    ['Arabic', 'ar'],
    ['Ukrainisch', 'uk'],
    ['Ukrainian', 'uk'],
  ] as const)
    if (isLanguage(code)) langs.set(simplify(name), code);
  return { regions, roles, topics, languages: langs, simplify: memo(simplify) };
}

/** One row's cells by field, trimmed; empty when the file has no such column. */
export type RowInput = Record<Exclude<ImportField, 'ignore'>, string>;

/** A problem of one row, before it gets its line: the offending value, not yet shortened. */
export interface RowProblem {
  kind: ProblemKind;
  value: string;
}

const many = (s: string) =>
  s
    .split(/[;|]/)
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * The field checks of one row: the address, the name, and the region, roles, topics and
 * language matched by key or label. Problems come in field order; a valid row carries keys.
 */
export function validateRow(
  input: RowInput,
  rules: RowRules,
): { row: Omit<ValidRow, 'index'>; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const add = (kind: ProblemKind, value: string) => problems.push({ kind, value });
  const simple = rules.simplify;
  const email = normaliseEmail(input.email);
  const name = input.name;
  // Address and name follow the one profile rule of every form and the API; region, roles,
  // topics and language are matched by key or label below (only an import has labels).
  const { errors } = validateProfile({ email, name }, NO_CHOICES, {
    fallbackLanguage: DEFAULT_LANGUAGE,
    email: true,
  });
  if (!email) add('emailMissing', '');
  else if (errors.email) add('emailInvalid', input.email);
  const row: Omit<ValidRow, 'index'> = { email };
  if (name) {
    if (errors.name) add('nameInvalid', name);
    else row.name = name;
  }
  const region = input.region;
  if (region) {
    const key = rules.regions.get(simple(region));
    if (key) row.regionKey = key;
    else add('regionUnknown', region);
  }
  for (const [field, map, kind] of [
    ['roles', rules.roles, 'roleUnknown'],
    ['topics', rules.topics, 'topicUnknown'],
  ] as const) {
    const values = many(input[field]);
    const keys: string[] = [];
    for (const v of values) {
      const key = map.get(simple(v));
      if (!key) add(kind, v);
      else if (!keys.includes(key)) keys.push(key);
    }
    if (keys.length) row[field === 'roles' ? 'roleKeys' : 'topicKeys'] = keys;
  }
  const language = input.language;
  if (language) {
    const code = rules.languages.get(simple(language));
    if (code) row.language = code;
    else add('languageUnknown', language);
  }
  return { row, problems };
}

/**
 * Check every row against the mapping and the reference data. A row with any problem is
 * skipped as a whole; the first occurrence of an address wins over later duplicates.
 * `isExisting` tells which valid addresses are already subscribers (for the report only).
 */
export function validateRows(
  parsed: ParsedCsv,
  mapping: ImportField[],
  ref: ImportReference,
  isExisting: (emails: string[]) => Set<string>,
): { rows: (ValidRow | null)[]; report: ImportReport } {
  const col = (field: ImportField) => mapping.indexOf(field);
  const cols = {
    email: col('email'),
    name: col('name'),
    region: col('region'),
    roles: col('roles'),
    topics: col('topics'),
    language: col('language'),
  };
  const rules = rowRules(ref);
  const problems: ImportProblem[] = [];
  const counts: Partial<Record<ProblemKind, number>> = {};
  const seen = new Map<string, number>();
  const rows: (ValidRow | null)[] = [];
  let problemRows = 0;
  const cell = (cells: string[], i: number) => (i >= 0 ? (cells[i] ?? '').trim() : '');
  const short = (s: string) => (s.length > 80 ? `${s.slice(0, 80)}…` : s);

  parsed.rows.forEach((r, index) => {
    const { row, problems: found } = validateRow(
      {
        email: cell(r.cells, cols.email),
        name: cell(r.cells, cols.name),
        region: cell(r.cells, cols.region),
        roles: cell(r.cells, cols.roles),
        topics: cell(r.cells, cols.topics),
        language: cell(r.cells, cols.language),
      },
      rules,
    );
    const { email } = row;
    // A duplicate is an address problem: it comes first, like the other address problems.
    if (email && isValidEmail(email)) {
      if (seen.has(email)) found.unshift({ kind: 'duplicate', value: String(seen.get(email)) });
      else seen.set(email, r.line);
    }
    if (found.length) {
      problemRows++;
      for (const p of found) {
        counts[p.kind] = (counts[p.kind] ?? 0) + 1;
        if (problems.length < MAX_REPORTED_PROBLEMS)
          problems.push({ line: r.line, kind: p.kind, value: short(p.value) });
      }
      rows.push(null);
    } else {
      rows.push({ index, ...row });
    }
  });

  const valid = rows.filter((r): r is ValidRow => r !== null);
  const existing = isExisting(valid.map((r) => r.email));
  return {
    rows,
    report: {
      encoding: parsed.encoding,
      delimiter: parsed.delimiter,
      totalRows: parsed.rows.length,
      validRows: valid.length,
      newRows: valid.length - existing.size,
      existingRows: existing.size,
      problemRows,
      counts,
      problems,
    },
  };
}

/** Validate the stored file with a mapping: the report before anything is written. */
export function validateImport(db: Db, id: number, mapping: ImportField[]): ImportReport {
  const row = imports.findImport(id, db);
  if (!row) throw new Error(`import ${id} not found`);
  const parsed = parseCsv(readFileSync(row.filePath));
  const { report } = validateRows(parsed, mapping, loadReference(db), (emails) =>
    imports.existingEmails(emails, db),
  );
  imports.updateImport(
    id,
    {
      status: 'ready',
      options: { ...row.options, mapping },
      report,
      totalRows: report.totalRows,
    },
    db,
  );
  return report;
}
