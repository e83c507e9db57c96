import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, type FormBody } from '../../http/form.js';
import { roleAllows } from '../../services/accounts/index.js';
import {
  indicatorKeys,
  isIndicatorKey,
  type Indicator,
  type IndicatorKey,
  type Period,
} from '../../services/indicators/index.js';
import { problemTexts, type Problems } from '../../services/reference/index.js';
import { lang } from './format.js';

interface PeriodQuery {
  from?: string;
  to?: string;
  personal?: string;
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** Where the records behind an indicator are listed in the admin UI. */
function recordsUrl(key: IndicatorKey, p: Period): string {
  const period = `from=${p.from}&to=${p.to}`;
  switch (key) {
    case 'training-events':
    case 'training-participants':
      return `/admin/events?type=training&${period}`;
    case 'best-practice-meetings':
      return `/admin/events?type=meeting&${period}`;
    case 'counselling':
      return `/admin/consultations?${period}`;
    case 'newsletters':
      return '/admin/campaigns';
    case 'people-reached':
      return `/admin/subscribers?status=confirmed&confirmed_from=${p.from}&confirmed_to=${p.to}`;
  }
}

/** A small line of the cumulative trend (120 × 32), scaled to the target or the highest value. */
function sparkline(i: Indicator): string {
  const top = Math.max(i.target, ...i.trend.map((t) => t.value), 1);
  const n = i.trend.length;
  return i.trend
    .map((t, k) => {
      const x = n > 1 ? (k / (n - 1)) * 118 + 1 : 60;
      const y = 31 - (t.value / top) * 30;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** A month `2026-03` as people read it: März 2026 / March 2026. */
const monthLabel = (month: string, lang: string) =>
  new Date(`${month}-15T12:00:00Z`).toLocaleDateString(lang === 'de' ? 'de-DE' : 'en-GB', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

const dayLabel = (at: number, lang: string) =>
  new Date(at).toLocaleDateString(lang === 'de' ? 'de-DE' : 'en-GB', {
    timeZone: 'Europe/Berlin',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });

/**
 * Wirkung: the funder's indicators against their targets for a period, the figures behind
 * them, the records as CSV and the report as PDF; admins edit the targets.
 */
export default async function indicatorRoutes(app: FastifyInstance) {
  const service = app.services.indicators;
  const admin = { config: { role: 'admin' as const } };

  /** The period a query asks for; a wrong one falls back to the programme period, with errors. */
  const periodOf = (query: PeriodQuery) => {
    const result = service.period({ from: text(query.from), to: text(query.to) });
    return result.kind === 'period'
      ? { period: result.period, errors: {} as Problems, shown: result.period }
      : {
          period: service.programmePeriod(),
          errors: result.errors,
          shown: { from: text(query.from), to: text(query.to) },
        };
  };

  app.get<{ Querystring: PeriodQuery }>('/indicators', async (request, reply) => {
    const { period, errors, shown } = periodOf(request.query);
    // The admin's language for the definitions, units, names and charts; the PDF report, the
    // CSV records and the API stay German (the funder's words).
    const l = lang(request);
    const at = request.at;
    const names = service.names(l);
    const indicators = service.values(period, Date.now(), l);
    const figures = service.figures(period);
    const query = `from=${period.from}&to=${period.to}`;
    const share = (n: number, all: number[]) => n / Math.max(...all, 1);
    const regionCounts = figures.reachByRegion.map((r) => r.people);
    const roleCounts = figures.reachByRole.map((r) => r.people);
    return reply.adminPage(
      'indicators/index',
      {
        title: at('indicators.title'),
        period,
        shown,
        programme: service.programmePeriod(),
        errors: problemTexts(errors, at),
        query,
        isAdmin: roleAllows(request.user!.role, 'admin'),
        cards: indicators.map((i) => ({
          ...i,
          percent: Math.round(i.progress * 100),
          spark: sparkline(i),
          last: i.trend.length
            ? at('indicators.trendText', {
                month: monthLabel(i.trend[i.trend.length - 1]!.month, l),
                value: i.trend[i.trend.length - 1]!.value,
              })
            : '',
          records: recordsUrl(i.key, period),
          csv: `/admin/indicators/${i.key}.csv?${query}`,
        })),
        editions: figures.editions.map((e) => ({ ...e, sentLabel: dayLabel(e.firstSentAt, l) })),
        regions: figures.reachByRegion.map((r) => ({
          name: r.regionKey ? names.region(r.regionKey) : at('indicators.noRegion'),
          people: r.people,
          share: share(r.people, regionCounts),
        })),
        roles: figures.reachByRole.map((r) => ({
          name: r.roleKey ? names.role(r.roleKey) : at('indicators.noRole'),
          people: r.people,
          share: share(r.people, roleCounts),
        })),
        events: figures.events.map((e) => ({ ...e, startLabel: dayLabel(e.startsAt, l) })),
        charts: service.charts(figures, l).map((c) => ({ id: c.id, title: c.title, svg: c.svg })),
        subscribers: figures.subscribers.map((s) => ({ ...s, label: monthLabel(s.month, l) })),
        referrals: figures.referrals.map((r) => ({ ...r, label: monthLabel(r.month, l) })),
      },
      Object.keys(errors).length ? 400 : 200,
    );
  });

  const targetsPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    values: {
      from: string;
      to: string;
      targets: Record<string, { label: string; target: string }>;
    },
    problems: Problems = {},
    status = 200,
  ) => {
    const at = request.at;
    const errors = problemTexts(problems, at);
    const targets = service.targets();
    const fieldName = (name: string) => name.replace('.', '-');
    return reply.adminPage(
      'indicators/targets',
      {
        title: at('indicators.targetsTitle'),
        values,
        errors,
        targets,
        summary: Object.keys(errors).map((name) => {
          const [key, part] = name.split('.');
          const label =
            part === undefined
              ? at(name === 'from' ? 'indicators.programmeFrom' : 'indicators.programmeTo')
              : `${targets.find((t) => t.key === key)?.label ?? key} – ${at(`indicators.${part}`)}`;
          return { href: `#${fieldName(name)}`, text: `${label}: ${errors[name]}` };
        }),
      },
      status,
    );
  };

  app.get('/indicators/targets', admin, async (request, reply) => {
    const period = service.programmePeriod();
    return targetsPage(request, reply, {
      ...period,
      targets: Object.fromEntries(
        service.targets().map((t) => [t.key, { label: t.label, target: String(t.target) }]),
      ),
    });
  });

  app.post('/indicators/targets', admin, async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const values = {
      from: field(body, 'from'),
      to: field(body, 'to'),
      targets: Object.fromEntries(
        indicatorKeys.map((key) => [
          key,
          { label: field(body, `${key}-label`), target: field(body, `${key}-target`) },
        ]),
      ),
    };
    const result = service.saveTargets(values, request.actor!);
    if (result.kind === 'invalid') return targetsPage(request, reply, values, result.errors, 400);
    return reply.redirect('/admin/indicators?notice=indicators.saved', 303);
  });

  app.get<{ Params: { key: string }; Querystring: PeriodQuery }>(
    '/indicators/:key.csv',
    async (request, reply) => {
      const key = request.params.key;
      if (!isIndicatorKey(key)) return reply.callNotFound();
      const result = service.period({ from: text(request.query.from), to: text(request.query.to) });
      if (result.kind === 'invalid')
        return reply.adminPage(
          'message',
          {
            title: request.at('common.error'),
            message: Object.values(problemTexts(result.errors, request.at)).join(' '),
          },
          400,
        );
      const personal = text(request.query.personal) === '1';
      // Names and addresses are for admins only.
      if (personal && !roleAllows(request.user!.role, 'admin'))
        return reply.adminPage(
          'message',
          { title: request.at('common.forbiddenTitle'), message: request.at('common.forbidden') },
          403,
        );
      const { from, to } = result.period;
      // German headers and values whatever the admin's language: the records go into the
      // funder's report beside the PDF and speak its words.
      return reply
        .header('Cache-Control', 'no-store')
        .header(
          'Content-Disposition',
          `attachment; filename="${key}-${from}-${to}${personal ? '-personenbezogen' : ''}.csv"`,
        )
        .type('text/csv; charset=utf-8')
        .send(service.csv(key, result.period, personal, request.actor!));
    },
  );

  app.get<{ Querystring: PeriodQuery }>('/report.pdf', async (request, reply) => {
    const result = service.period({ from: text(request.query.from), to: text(request.query.to) });
    if (result.kind === 'invalid')
      return reply.adminPage(
        'message',
        {
          title: request.at('common.error'),
          message: Object.values(problemTexts(result.errors, request.at)).join(' '),
        },
        400,
      );
    const { from, to } = result.period;
    return reply
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', `attachment; filename="kennzahlen-${from}-${to}.pdf"`)
      .type('application/pdf')
      .send(await service.report(result.period));
  });
}
