import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as lists from '../../../db/queries/lists.js';
import * as segments from '../../../db/queries/segments.js';
import * as taxonomy from '../../../db/queries/taxonomy.js';
import { subscriberStatuses, type SegmentRule } from '../../../db/schema.js';
import { languages } from '../../i18n/index.js';
import { labelFor } from '../../services/reference/index.js';
import { field, many, type FormBody } from '../../http/form.js';
import { isPlainText } from '../../services/plain-text.js';

type Db = FastifyInstance['database']['db'];

const MEMBERS_SHOWN = 50;
/** Multi-value rule fields and the form field that carries each (one checkbox per value). */
const multiFields = ['region', 'role', 'topic', 'language', 'list', 'status'] as const;
const dateFields = ['createdAfter', 'createdBefore'] as const;

const distinct = (v: string | string[] | undefined): string[] => [...new Set(many(v))];

export interface RuleValues {
  match: string;
  region: string[];
  role: string[];
  topic: string[];
  language: string[];
  list: string[];
  status: string[];
  createdAfter: string;
  createdBefore: string;
  engagement: string;
  engagementIssues: string;
}

/** The rule part of the form (or of the live-count query string) as values and rules. */
export function readRules(body: FormBody): {
  values: RuleValues;
  rules: SegmentRule[];
  match: segments.SegmentMatch;
} {
  const values: RuleValues = {
    match: field(body, 'match') || 'all',
    region: distinct(body.region),
    role: distinct(body.role),
    topic: distinct(body.topic),
    language: distinct(body.language),
    list: distinct(body.list),
    status: distinct(body.status),
    createdAfter: field(body, 'createdAfter').trim(),
    createdBefore: field(body, 'createdBefore').trim(),
    engagement: field(body, 'engagement'),
    engagementIssues: field(body, 'engagementIssues').trim() || '3',
  };
  const rules: SegmentRule[] = [];
  for (const f of multiFields) if (values[f].length) rules.push({ field: f, values: values[f] });
  for (const f of dateFields) if (values[f]) rules.push({ field: f, values: [values[f]] });
  if (values.engagement)
    rules.push({ field: 'engagement', values: [values.engagement, values.engagementIssues] });
  return { values, rules, match: values.match === 'any' ? 'any' : 'all' };
}

/** The form values that show a saved segment's rules. */
export function valuesFromRules(rules: SegmentRule[], match: string): RuleValues {
  const values: RuleValues = {
    match,
    region: [],
    role: [],
    topic: [],
    language: [],
    list: [],
    status: [],
    createdAfter: '',
    createdBefore: '',
    engagement: '',
    engagementIssues: '3',
  };
  for (const rule of rules) {
    if ((multiFields as readonly string[]).includes(rule.field))
      values[rule.field as (typeof multiFields)[number]] = rule.values;
    else if (rule.field === 'createdAfter' || rule.field === 'createdBefore')
      values[rule.field] = rule.values[0] ?? '';
    else if (rule.field === 'engagement') {
      values.engagement = rule.values[0] ?? '';
      values.engagementIssues = rule.values[1] ?? '3';
    }
  }
  return values;
}

/** Problems of the rules as messages per form field (`match` included). */
function ruleErrors(
  values: RuleValues,
  rules: SegmentRule[],
  at: FastifyRequest['at'],
  db: Db,
): Record<string, string> {
  const errors: Record<string, string> = {};
  const problems = segments.ruleProblems(
    rules,
    languages.map((l) => l.code),
    db,
  );
  for (const [f, problem] of Object.entries(problems)) errors[f] = at(`segments.errors.${problem}`);
  if (values.match !== 'all' && values.match !== 'any') errors.match = at('segments.errors.match');
  return errors;
}

/** Everything the form and the rule summaries need to name keys, in the admin's language. */
function choices(db: Db, lang: string) {
  return {
    regions: taxonomy.allRegions(db).map((r) => ({ key: r.key, label: r.name, active: r.active })),
    roles: taxonomy.allLabelled('roles', db).map((r) => ({
      key: r.key,
      label: labelFor('roles', r, lang),
      active: r.active,
    })),
    topics: taxonomy.allLabelled('topics', db).map((r) => ({
      key: r.key,
      label: labelFor('topics', r, lang),
      active: r.active,
    })),
    languages: languages.map((l) => ({ key: l.code, label: l.name, lang: l.code, active: true })),
    lists: lists.listLists(db).map((l) => ({ key: String(l.id), label: l.name, active: true })),
    statuses: subscriberStatuses.map((s) => ({ key: s, active: true })),
  };
}
type Choices = ReturnType<typeof choices>;

/** A segment's rules in words: [{ label: 'Region', values: ['Harz'] }, …]. */
function describeRules(rules: SegmentRule[], c: Choices, at: FastifyRequest['at']) {
  const name = (list: { key: string; label: string }[], key: string) =>
    list.find((x) => x.key === key)?.label ?? key;
  return rules.map((rule) => {
    let values: string[];
    switch (rule.field) {
      case 'region':
        values = rule.values.map((v) => name(c.regions, v));
        break;
      case 'role':
        values = rule.values.map((v) => name(c.roles, v));
        break;
      case 'topic':
        values = rule.values.map((v) => name(c.topics, v));
        break;
      case 'language':
        values = rule.values.map((v) => name(c.languages, v));
        break;
      case 'list':
        values = rule.values.map((v) => name(c.lists, v));
        break;
      case 'status':
        values = rule.values.map((v) => at(`segments.statuses.${v}`));
        break;
      case 'engagement':
        values = [
          at('segments.engagementValue', {
            kind: at(`segments.${rule.values[0] ?? 'opened'}`),
            n: rule.values[1] ?? '',
          }),
        ];
        break;
      default:
        values = rule.values;
    }
    return { label: at(`segments.${rule.field}`), values };
  });
}

const countScript = `// Live count for the segment form: asks /admin/segments/count whenever a rule changes.
(function () {
  var form = document.getElementById('segment-form');
  var out = document.getElementById('segment-count');
  if (!form || !out || !window.fetch || !window.URLSearchParams) return;
  var timer;
  var seq = 0;
  function update() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === 'string' && key !== '_csrf' && key !== 'name' && key !== 'description')
        params.append(key, value);
    });
    var mine = ++seq;
    fetch('/admin/segments/count?' + params.toString(), {
      headers: { accept: 'application/json' },
      credentials: 'same-origin',
    })
      .then(function (res) {
        return res.ok ? res.json() : Promise.reject(res.status);
      })
      .then(function (data) {
        if (mine !== seq) return;
        var n = Number(data.count).toLocaleString(document.documentElement.lang);
        var template = out.getAttribute(data.count === 1 ? 'data-template-one' : 'data-template');
        out.textContent = template.replace('{count}', n);
      })
      .catch(function () {
        if (mine === seq) out.textContent = out.getAttribute('data-failed');
      });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  }
  form.addEventListener('change', later);
  form.addEventListener('input', later);
})();
`;

/**
 * Segments: saved filters over the subscriber profile. Everyone sees them and their members;
 * editors create, change and delete them. The form counts without JavaScript (a Count button)
 * and, with the small script below, live while rules change.
 */
export default async function segmentRoutes(app: FastifyInstance) {
  const db = app.database.db;
  const editor = { config: { role: 'editor' as const } };
  const lang = (request: FastifyRequest) => request.user?.language ?? 'de';

  const form = (
    reply: FastifyReply,
    data: {
      segment?: segments.Segment;
      values: RuleValues & { name?: string; description?: string };
      errors?: Record<string, string>;
      count?: number | null;
    },
    status = 200,
  ) => {
    const { at } = reply.request;
    return reply.adminPage(
      'segments/form',
      {
        title: data.segment ? at('segments.edit') : at('segments.new'),
        choices: choices(db, lang(reply.request)),
        errors: {},
        count: null,
        ...data,
      },
      status,
    );
  };

  app.get('/segments/segment-count.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('Cache-Control', 'private, max-age=3600')
      .send(countScript),
  );

  app.get('/segments', async (request, reply) => {
    const c = choices(db, lang(request));
    return reply.adminPage('segments/index', {
      title: request.at('segments.title'),
      segments: segments.listSegments(db).map((s) => ({
        ...s,
        summary: describeRules(s.rules, c, request.at),
        count: segments.countRules(s.rules, s.match, db),
      })),
    });
  });

  app.get<{ Querystring: FormBody }>('/segments/count', async (request, reply) => {
    const { values, rules, match } = readRules(request.query ?? {});
    const errors = ruleErrors(values, rules, request.at, db);
    if (Object.keys(errors).length) {
      return reply.code(400).send({
        error: 'Bad Request',
        message: Object.entries(errors)
          .map(([f, m]) => `${f}: ${m}`)
          .join(' '),
        statusCode: 400,
      });
    }
    return reply
      .header('Cache-Control', 'no-store')
      .send({ count: segments.countRules(rules, match, db) });
  });

  app.get('/segments/new', editor, async (_request, reply) => {
    const values = valuesFromRules([], 'all');
    return form(reply, { values, count: segments.countRules([], 'all', db) });
  });

  /** Create or update from the form, or only count (the no-JavaScript Count button). */
  const save = async (
    request: FastifyRequest,
    reply: FastifyReply,
    segment: segments.Segment | undefined,
  ) => {
    const body = (request.body ?? {}) as FormBody;
    const { values, rules, match } = readRules(body);
    const name = field(body, 'name').trim();
    const description = field(body, 'description').trim().replace(/\r\n/g, '\n');
    const errors = ruleErrors(values, rules, request.at, db);
    const ruleProblem = Object.keys(errors).length > 0;
    const all = { ...values, name, description };
    if (field(body, 'action') === 'count') {
      const count = ruleProblem ? null : segments.countRules(rules, match, db);
      return form(reply, { segment, values: all, errors, count }, ruleProblem ? 400 : 200);
    }
    if (!name || !isPlainText(name, 100)) errors.name = request.at('segments.errors.name');
    if (description.length > 500 || /[<>]/.test(description))
      errors.description = request.at('segments.errors.description');
    if (Object.keys(errors).length) {
      const count = ruleProblem ? null : segments.countRules(rules, match, db);
      return form(reply, { segment, values: all, errors, count }, 400);
    }
    const input = { name, description, match, rules };
    if (segment) {
      segments.updateSegment(segment.id, input, db);
      request.audit('update', 'segment', segment.id, { name, match, rules });
      return reply.redirect(`/admin/segments/${segment.id}?notice=segments.saved`, 303);
    }
    const created = segments.createSegment(input, request.user?.id ?? null, db);
    request.audit('create', 'segment', created.id, { name, match, rules });
    return reply.redirect(`/admin/segments/${created.id}?notice=segments.created`, 303);
  };

  app.post('/segments', async (request, reply) => save(request, reply, undefined));

  app.get<{ Params: { id: string } }>('/segments/:id', async (request, reply) => {
    const segment = segments.findSegment(Number(request.params.id), db);
    if (!segment) return reply.callNotFound();
    const c = choices(db, lang(request));
    const members = segments.previewMembers(segment.rules, segment.match, MEMBERS_SHOWN, db);
    return reply.adminPage('segments/detail', {
      title: segment.name,
      segment,
      summary: describeRules(segment.rules, c, request.at),
      count: segments.countRules(segment.rules, segment.match, db),
      members: members.map((m) => ({
        ...m,
        roles: m.roleKeys.map((k) => c.roles.find((r) => r.key === k)?.label ?? k),
      })),
    });
  });

  app.get<{ Params: { id: string } }>('/segments/:id/edit', editor, async (request, reply) => {
    const segment = segments.findSegment(Number(request.params.id), db);
    if (!segment) return reply.callNotFound();
    return form(reply, {
      segment,
      values: {
        ...valuesFromRules(segment.rules, segment.match),
        name: segment.name,
        description: segment.description,
      },
      count: segments.countRules(segment.rules, segment.match, db),
    });
  });

  app.post<{ Params: { id: string } }>('/segments/:id', async (request, reply) => {
    const segment = segments.findSegment(Number(request.params.id), db);
    if (!segment) return reply.callNotFound();
    return save(request, reply, segment);
  });

  app.post<{ Params: { id: string } }>('/segments/:id/delete', async (request, reply) => {
    const segment = segments.findSegment(Number(request.params.id), db);
    if (!segment) return reply.callNotFound();
    segments.deleteSegment(segment.id, db);
    request.audit('delete', 'segment', segment.id, { name: segment.name });
    return reply.redirect('/admin/segments?notice=segments.deleted', 303);
  });
}
