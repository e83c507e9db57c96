import { transaction, type Db, type Tx } from '../../../db/client.js';
import { recordAction } from '../../../db/queries/audit.js';
import * as lists from '../../../db/queries/lists.js';
import * as segments from '../../../db/queries/segments.js';
import type {
  Segment,
  SegmentInput,
  SegmentMatch,
  SegmentMember,
} from '../../../db/queries/segments.js';
import * as taxonomy from '../../../db/queries/taxonomy.js';
import { subscriberStatuses, type SegmentRule } from '../../../db/schema.js';
import { languages } from '../../i18n/index.js';
import { auditWho, type Actor, type ServiceContext } from '../context.js';
import { isPlainText } from '../plain-text.js';
import { ruleChoices, type RuleChoices } from './choices.js';
import { hasProblems, type Problems } from './problems.js';

export type {
  RuleField,
  Segment,
  SegmentInput,
  SegmentMatch,
  SegmentMember,
} from '../../../db/queries/segments.js';
export type { SegmentRule } from '../../../db/schema.js';

/** The limits of a segment's fields: the validator checks them, the API's schema states them. */
export const segmentLimits = {
  name: 100,
  description: 500,
  /** rules per segment */
  rules: 20,
  /** values per rule */
  values: 200,
  /** characters per value */
  value: 100,
} as const;

export const ruleFields: readonly SegmentRule['field'][] = [
  'region',
  'role',
  'topic',
  'language',
  'list',
  'status',
  'createdAfter',
  'createdBefore',
  'engagement',
];
export const segmentMatches: readonly SegmentMatch[] = ['all', 'any'];
export const engagementKinds = ['opened', 'clicked'] as const;
export const MAX_ENGAGEMENT_ISSUES = 50;

/** What rules may name: the keys, codes and ids that exist (inactive entries included). */
export interface RuleVocabulary {
  region: ReadonlySet<string>;
  role: ReadonlySet<string>;
  topic: ReadonlySet<string>;
  language: ReadonlySet<string>;
  list: ReadonlySet<string>;
  status: ReadonlySet<string>;
}

/** A segment as a form or an API body gives it: not yet trimmed or checked. */
export interface SegmentDraft {
  name: string;
  description: string;
  match: string;
  rules: SegmentRule[];
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (v: string) => isoDate.test(v) && !Number.isNaN(Date.parse(v));

/**
 * The one check of rules and how they combine. Region, role and topic keys, list ids,
 * statuses and languages must exist; dates are YYYY-MM-DD; engagement is
 * [opened|clicked, number of issues]; each field has one rule. Problems are keyed by the rule's
 * field (and `match`).
 */
export function validateRules(
  rules: SegmentRule[],
  match: string,
  known: RuleVocabulary,
): { rules: SegmentRule[]; match: SegmentMatch; errors: Problems } {
  const errors: Problems = {};
  const problem = (field: string, code: string) => (errors[field] = `segments.errors.${code}`);
  const checked = rules.map((r) => ({ field: r.field, values: [...new Set(r.values)] }));
  if (checked.length > segmentLimits.rules) problem('rules', 'tooMany');
  for (const [i, rule] of checked.entries()) {
    const field = rule.field as string;
    if (checked.findIndex((r) => r.field === rule.field) !== i) {
      problem(field, 'twice');
      continue;
    }
    if (!(ruleFields as readonly string[]).includes(field)) {
      problem(field, 'unknownField');
      continue;
    }
    if (rule.values.length > segmentLimits.values) {
      problem(field, 'tooMany');
      continue;
    }
    switch (rule.field) {
      case 'createdAfter':
      case 'createdBefore':
        if (rule.values.length !== 1 || !validDate(rule.values[0]!)) problem(field, 'badDate');
        break;
      case 'engagement': {
        const [kind, issues] = rule.values;
        const n = Number(issues);
        if (
          rule.values.length !== 2 ||
          !(engagementKinds as readonly string[]).includes(kind ?? '') ||
          !Number.isInteger(n) ||
          n < 1 ||
          n > MAX_ENGAGEMENT_ISSUES
        )
          problem(field, 'badEngagement');
        break;
      }
      default: {
        const vocabulary = known[rule.field];
        if (!rule.values.length || rule.values.some((v) => !vocabulary.has(v)))
          problem(field, 'unknownValue');
      }
    }
  }
  if (!(segmentMatches as readonly string[]).includes(match)) problem('match', 'match');
  return { rules: checked, match: match === 'any' ? 'any' : 'all', errors };
}

/** The one check of a whole segment: name, description, rules. */
export function validateSegment(
  draft: SegmentDraft,
  known: RuleVocabulary,
): { input: SegmentInput; errors: Problems } {
  const { rules, match, errors } = validateRules(draft.rules, draft.match, known);
  const name = draft.name.trim();
  const description = draft.description.trim().replace(/\r\n/g, '\n');
  if (!name || !isPlainText(name, segmentLimits.name)) errors.name = 'segments.errors.name';
  if (description.length > segmentLimits.description || /[<>]/.test(description))
    errors.description = 'segments.errors.description';
  return { input: { name, description, match, rules }, errors };
}

/** How many people rules select, or why they cannot be counted. */
export type RuleCount = { kind: 'counted'; count: number } | { kind: 'invalid'; errors: Problems };

/** `count`: what the rules select when only the name or description is wrong, else null. */
export type SegmentSaved =
  | { kind: 'saved'; segment: Segment }
  | { kind: 'invalid'; input: SegmentInput; errors: Problems; count: number | null };

/** Saved filters over the subscriber profile that a send targets directly. */
export class SegmentService {
  private readonly db: Db;

  constructor(ctx: Pick<ServiceContext, 'db'>) {
    this.db = ctx.db;
  }

  /** Every segment by name. */
  all(): Segment[] {
    return segments.listSegments(this.db);
  }

  find(id: number): Segment | undefined {
    return segments.findSegment(id, this.db);
  }

  /** What the segment form offers and the rule summaries name, in the admin's language. */
  choices(lang: string): RuleChoices {
    return ruleChoices(this.db, lang);
  }

  /** What rules may name right now. */
  vocabulary(tx: Tx = this.db): RuleVocabulary {
    return {
      region: new Set(taxonomy.allKeys('regions', tx)),
      role: new Set(taxonomy.allKeys('roles', tx)),
      topic: new Set(taxonomy.allKeys('topics', tx)),
      language: new Set(languages.map((l) => l.code)),
      list: new Set(lists.listIds(tx).map(String)),
      status: new Set(subscriberStatuses),
    };
  }

  /** How many subscribers the rules select, any status (no rules: everybody). */
  size(rules: SegmentRule[], match: SegmentMatch): number {
    return segments.countRules(rules, match, this.db);
  }

  /** The live count of rules being edited: checked first. */
  countRules(rules: SegmentRule[], match: string): RuleCount {
    const checked = validateRules(rules, match, this.vocabulary());
    if (hasProblems(checked.errors)) return { kind: 'invalid', errors: checked.errors };
    return { kind: 'counted', count: this.size(checked.rules, checked.match) };
  }

  /** A saved segment's size: everybody it selects, and those a send would reach (confirmed). */
  counts(segment: Segment): { count: number; confirmed: number } {
    return segments.segmentCounts(segment, this.db);
  }

  /** The first `limit` people the segment selects, newest first, with region and roles. */
  members(segment: Segment, limit: number): SegmentMember[] {
    return segments.previewMembers(segment.rules, segment.match, limit, this.db);
  }

  create(draft: SegmentDraft, actor: Actor): SegmentSaved {
    return transaction(this.db, (tx) => {
      const checked = this.check(draft, tx);
      if (checked.kind === 'invalid') return checked;
      const { input } = checked;
      const createdBy = actor.kind === 'user' ? actor.userId : null;
      const segment = segments.createSegment(input, createdBy, tx);
      const { name, match, rules } = input;
      recordAction(auditWho(actor), 'create', 'segment', segment.id, { name, match, rules }, tx);
      return { kind: 'saved', segment };
    });
  }

  update(id: number, draft: SegmentDraft, actor: Actor): SegmentSaved | { kind: 'missing' } {
    return transaction(this.db, (tx) => {
      if (!segments.findSegment(id, tx)) return { kind: 'missing' as const };
      const checked = this.check(draft, tx);
      if (checked.kind === 'invalid') return checked;
      const { input } = checked;
      segments.updateSegment(id, input, tx);
      const { name, match, rules } = input;
      recordAction(auditWho(actor), 'update', 'segment', id, { name, match, rules }, tx);
      return { kind: 'saved', segment: segments.findSegment(id, tx)! };
    });
  }

  /** false: no such segment. */
  delete(id: number, actor: Actor): boolean {
    return transaction(this.db, (tx) => {
      const segment = segments.findSegment(id, tx);
      if (!segment) return false;
      segments.deleteSegment(id, tx);
      recordAction(auditWho(actor), 'delete', 'segment', id, { name: segment.name }, tx);
      return true;
    });
  }

  private check(
    draft: SegmentDraft,
    tx: Tx,
  ): { kind: 'ok'; input: SegmentInput } | Extract<SegmentSaved, { kind: 'invalid' }> {
    const { input, errors } = validateSegment(draft, this.vocabulary(tx));
    if (!hasProblems(errors)) return { kind: 'ok', input };
    const ruleProblem = Object.keys(errors).some((f) => f !== 'name' && f !== 'description');
    const count = ruleProblem ? null : segments.countRules(input.rules, input.match, tx);
    return { kind: 'invalid', input, errors, count };
  }
}
