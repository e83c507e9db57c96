import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, many, type FormBody } from '../../http/form.js';
import {
  problemTexts,
  type RuleChoices,
  type Segment,
  type SegmentDraft,
  type SegmentRule,
} from '../../services/reference/index.js';
import { lang } from './format.js';

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
export function readRules(body: FormBody): { values: RuleValues; rules: SegmentRule[] } {
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
  return { values, rules };
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

/** A segment's rules in words: [{ label: 'Region', values: ['Harz'] }, …]. */
function describeRules(rules: SegmentRule[], c: RuleChoices, at: FastifyRequest['at']) {
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
  const service = app.services.reference.segments;
  const editor = { config: { role: 'editor' as const } };

  const form = (
    reply: FastifyReply,
    data: {
      segment?: Segment;
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
        choices: service.choices(lang(reply.request)),
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
    const c = service.choices(lang(request));
    return reply.adminPage('segments/index', {
      title: request.at('segments.title'),
      segments: service.all().map((s) => ({
        ...s,
        summary: describeRules(s.rules, c, request.at),
        count: service.size(s.rules, s.match),
      })),
    });
  });

  app.get<{ Querystring: FormBody }>('/segments/count', async (request, reply) => {
    const { values, rules } = readRules(request.query ?? {});
    const result = service.countRules(rules, values.match);
    if (result.kind === 'invalid') {
      return reply.code(400).send({
        error: 'Bad Request',
        message: Object.entries(problemTexts(result.errors, request.at))
          .map(([f, m]) => `${f}: ${m}`)
          .join(' '),
        statusCode: 400,
      });
    }
    return reply.header('Cache-Control', 'no-store').send({ count: result.count });
  });

  app.get('/segments/new', editor, async (_request, reply) => {
    const values = valuesFromRules([], 'all');
    return form(reply, { values, count: service.size([], 'all') });
  });

  /** Create or update from the form, or only count (the no-JavaScript Count button). */
  const save = async (request: FastifyRequest, reply: FastifyReply, segment?: Segment) => {
    const body = (request.body ?? {}) as FormBody;
    const { values, rules } = readRules(body);
    const draft: SegmentDraft = {
      name: field(body, 'name'),
      description: field(body, 'description'),
      match: values.match,
      rules,
    };
    const all = {
      ...values,
      name: draft.name.trim(),
      description: draft.description.trim().replace(/\r\n/g, '\n'),
    };
    if (field(body, 'action') === 'count') {
      const result = service.countRules(rules, values.match);
      if (result.kind === 'invalid') {
        const errors = problemTexts(result.errors, request.at);
        return form(reply, { segment, values: all, errors, count: null }, 400);
      }
      return form(reply, { segment, values: all, count: result.count });
    }
    const result = segment
      ? service.update(segment.id, draft, request.actor!)
      : service.create(draft, request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'invalid') {
      const errors = problemTexts(result.errors, request.at);
      return form(reply, { segment, values: all, errors, count: result.count }, 400);
    }
    const notice = segment ? 'segments.saved' : 'segments.created';
    return reply.redirect(`/admin/segments/${result.segment.id}?notice=${notice}`, 303);
  };

  app.post('/segments', async (request, reply) => save(request, reply));

  app.get<{ Params: { id: string } }>('/segments/:id', async (request, reply) => {
    const segment = service.find(Number(request.params.id));
    if (!segment) return reply.callNotFound();
    const c = service.choices(lang(request));
    const members = service.members(segment, MEMBERS_SHOWN);
    return reply.adminPage('segments/detail', {
      title: segment.name,
      segment,
      summary: describeRules(segment.rules, c, request.at),
      count: service.size(segment.rules, segment.match),
      members: members.map((m) => ({
        ...m,
        roles: m.roleKeys.map((k) => c.roles.find((r) => r.key === k)?.label ?? k),
      })),
    });
  });

  app.get<{ Params: { id: string } }>('/segments/:id/edit', editor, async (request, reply) => {
    const segment = service.find(Number(request.params.id));
    if (!segment) return reply.callNotFound();
    return form(reply, {
      segment,
      values: {
        ...valuesFromRules(segment.rules, segment.match),
        name: segment.name,
        description: segment.description,
      },
      count: service.size(segment.rules, segment.match),
    });
  });

  app.post<{ Params: { id: string } }>('/segments/:id', async (request, reply) => {
    const segment = service.find(Number(request.params.id));
    if (!segment) return reply.callNotFound();
    return save(request, reply, segment);
  });

  app.post<{ Params: { id: string } }>('/segments/:id/delete', async (request, reply) => {
    if (!service.delete(Number(request.params.id), request.actor!)) return reply.callNotFound();
    return reply.redirect('/admin/segments?notice=segments.deleted', 303);
  });
}
