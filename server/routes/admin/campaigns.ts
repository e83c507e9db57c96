import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, many, type FormBody } from '../../http/form.js';
import type { Translate } from '../../i18n/index.js';
import type {
  CampaignDetail,
  CampaignDraft,
  CampaignProgress,
  CampaignStatus,
} from '../../services/campaigns/index.js';
import { checkText, type Check } from '../../services/editions/index.js';
import { berlinDateTime, berlinWallClock, dateTimeInstant } from '../../services/items/index.js';
import { problemTexts } from '../../services/reference/index.js';
import { lang } from './format.js';

/** What the form shows: the values as typed (times as Berlin wall-clock). */
interface FormValues {
  editionId: string;
  segmentIds: string[];
  listIds: string[];
  scheduledAt: string;
  confirmedSince: string;
}

const emptyValues: FormValues = {
  editionId: '',
  segmentIds: [],
  listIds: [],
  scheduledAt: '',
  confirmedSince: '',
};

/** Deliveries shown on one page of a campaign's ledger. */
const DELIVERIES_PER_PAGE = 50;

/** Campaigns that no longer change by themselves: the page stops polling. */
const finished: CampaignStatus[] = ['sent', 'cancelled'];

function readForm(body: FormBody): { values: FormValues; draft: CampaignDraft } {
  const values: FormValues = {
    editionId: field(body, 'editionId').trim(),
    segmentIds: [...new Set(many(body.segmentIds))],
    listIds: [...new Set(many(body.listIds))],
    scheduledAt: field(body, 'scheduledAt').trim(),
    confirmedSince: field(body, 'confirmedSince').trim(),
  };
  // A value that is no date (or no id) reaches the service as NaN, which it refuses.
  const scheduled = values.scheduledAt ? berlinDateTime(values.scheduledAt) : undefined;
  const since = values.confirmedSince;
  return {
    values,
    draft: {
      editionId: /^\d{1,15}$/.test(values.editionId) ? Number(values.editionId) : values.editionId,
      segmentIds: values.segmentIds.map(Number),
      listIds: values.listIds.map(Number),
      scheduledAt: values.scheduledAt ? (scheduled ? Date.parse(scheduled) : NaN) : null,
      confirmedSince: since
        ? /^\d{4}-\d{2}-\d{2}$/.test(since)
          ? (dateTimeInstant(`${since}T00:00`) ?? NaN)
          : NaN
        : null,
    },
  };
}

/** The Berlin calendar day of an instant, `YYYY-MM-DD` (a date input's value). */
const berlinDay = (ms: number) => berlinWallClock(new Date(ms).toISOString())!.slice(0, 10);

/** An instant as the admin reads it: Berlin wall-clock time in the user's language. */
function when(ms: number | null, lang: string, time = true): string {
  if (ms === null) return '';
  return new Intl.DateTimeFormat(lang, {
    timeZone: 'Europe/Berlin',
    dateStyle: 'medium',
    ...(time ? { timeStyle: 'short' as const } : {}),
  }).format(ms);
}

function timeLeft(seconds: number | null, at: Translate): string {
  if (seconds === null) return '–';
  if (seconds < 60) return at('campaigns.lessThanMinute');
  return at('campaigns.minutesLeft', { n: Math.ceil(seconds / 60) });
}

/** What the progress block shows, for the page and for the polling script alike. */
function progressView(p: CampaignProgress, at: Translate, lang: string) {
  const total = Math.max(p.audienceCount, 1);
  const done = p.audienceCount - p.counts.queued;
  const number = (n: number) => n.toLocaleString(lang);
  return {
    status: p.status,
    statusText: at(`campaigns.statuses.${p.status}`),
    finished: finished.includes(p.status),
    counts: Object.fromEntries(Object.entries(p.counts).map(([k, n]) => [k, number(n)])),
    perMinute: number(p.perMinute),
    timeLeft: timeLeft(p.secondsLeft, at),
    done: Math.max(done, 0),
    total,
    doneText: at('campaigns.processed', {
      done: number(Math.max(done, 0)),
      total: number(p.audienceCount),
    }),
    pauseReason: p.pauseReason,
  };
}

/**
 * Campaigns in the admin UI: everyone sees them and their progress; editors create one (an
 * edition to segments and lists), look at the audience and the pre-send check, confirm and
 * start it, and pause, resume, cancel it or send the failed deliveries again.
 */
export default async function campaignRoutes(app: FastifyInstance) {
  const service = app.services.campaigns;
  const editions = app.services.editions;
  const reference = app.services.reference;
  const editor = { config: { role: 'editor' as const } };

  const findCampaign = (request: FastifyRequest<{ Params: { id: string } }>) =>
    /^\d{1,15}$/.test(request.params.id) ? service.find(Number(request.params.id)) : undefined;

  /** Edition and audience of a campaign in words. */
  const describe = (campaign: CampaignDetail) => {
    const edition = editions.find(campaign.editionId);
    const segments = new Map(reference.segments.all().map((s) => [s.id, s.name]));
    const lists = new Map(reference.lists.all().map((l) => [l.id, l.name]));
    return {
      edition: edition ? { id: edition.id, number: edition.number, title: edition.title } : null,
      segments: campaign.segmentIds.map((id) => segments.get(id) ?? `#${id}`),
      lists: campaign.listIds.map((id) => lists.get(id) ?? `#${id}`),
    };
  };

  const form = (
    request: FastifyRequest,
    reply: FastifyReply,
    values: FormValues,
    problems: Record<string, string> = {},
    status = 200,
  ) => {
    const { at } = request;
    const errors = problemTexts(problems, at);
    const segments = reference.segments.all();
    const lists = reference.lists.all();
    const anchors: Record<string, string> = {
      editionId: 'editionId',
      segmentIds: segments[0] ? `segmentIds-${segments[0].id}` : 'audience',
      listIds: lists[0] ? `listIds-${lists[0].id}` : 'audience',
      audience: segments[0] ? `segmentIds-${segments[0].id}` : 'audience',
      scheduledAt: 'scheduledAt',
      confirmedSince: 'confirmedSince',
    };
    return reply.adminPage(
      'campaigns/form',
      {
        title: at('campaigns.new'),
        values,
        errors,
        summary: Object.entries(errors).map(([name, message]) => ({
          href: `#${anchors[name] ?? name}`,
          text: `${at(`campaigns.fields.${name}`)}: ${message}`,
        })),
        editions: editions.list().map((e) => ({ id: e.id, number: e.number, title: e.title })),
        segments: segments.map((s) => ({ key: String(s.id), label: s.name, active: true })),
        lists: lists.map((l) => ({ key: String(l.id), label: l.name, active: true })),
      },
      status,
    );
  };

  /** The campaign page: before the start the audience and the check, then the progress. */
  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    campaign: CampaignDetail,
    extra: {
      errors?: Record<string, string>;
      blocked?: Check[];
      startProblem?: string;
      /** The ledger page starts after this delivery id. */
      after?: number;
    } = {},
    status = 200,
  ) => {
    const { at } = request;
    const language = lang(request);
    const waiting = campaign.status === 'draft' || campaign.status === 'scheduled';
    let audience = null;
    let checks: Check[] = [];
    if (waiting) {
      const counted = service.audience(campaign.id)!;
      const roles = new Map(reference.segments.choices(language).roles.map((r) => [r.key, r]));
      audience = {
        ...counted,
        byRole: counted.byRole.map((r) => ({
          ...r,
          name: r.key === null ? null : (roles.get(r.key)?.label ?? r.key),
        })),
      };
      const preview = await editions.preview(campaign.editionId);
      if (preview.kind === 'preview') checks = preview.preview.checks;
    }
    if (extra.blocked) checks = extra.blocked;
    const errorsFound = checks.some((c) => c.level === 'error');
    const progress = progressView(service.progress(campaign.id)!, at, language);
    const described = describe(campaign);
    const after = extra.after ?? 0;
    const ledger = waiting
      ? null
      : service.deliveries(campaign.id, { after, limit: DELIVERIES_PER_PAGE })!;
    const deliveries = ledger && {
      rows: ledger.deliveries.map((d) => ({
        subscriberId: d.subscriberId,
        email: d.email,
        status: at(`campaigns.counts.${d.status}`),
        uncertain: d.uncertain,
        relay: d.relay,
        sentAt: when(d.sentAt, language),
        reason: d.reason,
      })),
      nextUrl:
        ledger.next === null
          ? null
          : `/admin/campaigns/${campaign.id}?after=${ledger.next}#deliveries-heading`,
      firstUrl: after > 0 ? `/admin/campaigns/${campaign.id}#deliveries-heading` : null,
    };
    const newcomers =
      campaign.status === 'sent' && campaign.startedAt !== null
        ? {
            href: `/admin/campaigns/new?${new URLSearchParams([
              ['editionId', String(campaign.editionId)],
              ...campaign.segmentIds.map((id): [string, string] => ['segmentIds', String(id)]),
              ...campaign.listIds.map((id): [string, string] => ['listIds', String(id)]),
              ['confirmedSince', berlinDay(campaign.startedAt)],
            ]).toString()}`,
            text: at('campaigns.newcomers', { date: when(campaign.startedAt, language, false) }),
          }
        : null;
    return reply.adminPage(
      'campaigns/detail',
      {
        title: at('campaigns.campaignTitle', { id: campaign.id }),
        campaign,
        ...described,
        waiting,
        audience,
        checks: checks.map((check) => ({ ...check, text: checkText(check, request.at) })),
        startProblem:
          extra.startProblem ??
          (waiting && errorsFound
            ? at('campaigns.startBlocked')
            : waiting && audience?.total === 0
              ? at('campaigns.startEmpty')
              : ''),
        scheduledFuture: campaign.scheduledAt !== null && campaign.scheduledAt > Date.now(),
        progress,
        reach: campaign.startedAt !== null ? app.services.tracking.stats(campaign.id) : null,
        deliveries,
        newcomers,
        times: {
          scheduledAt: when(campaign.scheduledAt, language),
          confirmedSince: when(campaign.confirmedSince, language, false),
          startedAt: when(campaign.startedAt, language),
          finishedAt: when(campaign.finishedAt, language),
        },
        errors: extra.errors ?? {},
        // Only a sending or paused campaign changes by itself: its page polls.
        scripts: waiting || progress.finished ? [] : ['/assets/admin-campaigns.js'],
      },
      status,
    );
  };

  app.get('/campaigns', async (request, reply) => {
    const language = lang(request);
    const rows = service.list().map((c) => {
      const detail = service.find(c.id)!;
      return {
        ...detail,
        ...describe(detail),
        startedText: when(c.startedAt, language),
        finishedText: when(c.finishedAt, language),
        scheduledText: when(c.scheduledAt, language),
      };
    });
    return reply.adminPage('campaigns/index', {
      title: request.at('campaigns.title'),
      campaigns: rows,
    });
  });

  app.get<{ Querystring: FormBody }>('/campaigns/new', editor, async (request, reply) => {
    const q = request.query;
    return form(request, reply, {
      ...emptyValues,
      editionId: field(q, 'editionId'),
      segmentIds: many(q.segmentIds),
      listIds: many(q.listIds),
      confirmedSince: field(q, 'confirmedSince'),
    });
  });

  app.post('/campaigns', async (request, reply) => {
    const { values, draft } = readForm((request.body ?? {}) as FormBody);
    const result = service.create(draft, request.actor!);
    if (result.kind === 'invalid') return form(request, reply, values, result.errors, 400);
    return reply.redirect(`/admin/campaigns/${result.campaign.id}?notice=campaigns.created`, 303);
  });

  app.get<{ Params: { id: string }; Querystring: FormBody }>(
    '/campaigns/:id',
    async (request, reply) => {
      const campaign = findCampaign(request);
      if (!campaign) return reply.callNotFound();
      const after = field(request.query, 'after');
      return page(request, reply, campaign, {
        after: /^\d{1,15}$/.test(after) ? Number(after) : 0,
      });
    },
  );

  app.get<{ Params: { id: string } }>('/campaigns/:id/progress', async (request, reply) => {
    const campaign = findCampaign(request);
    if (!campaign) return reply.callNotFound();
    const progress = service.progress(campaign.id)!;
    return reply
      .header('Cache-Control', 'no-store')
      .send(progressView(progress, request.at, lang(request)));
  });

  app.post<{ Params: { id: string } }>('/campaigns/:id/start', async (request, reply) => {
    const campaign = findCampaign(request);
    if (!campaign) return reply.callNotFound();
    const { at } = request;
    if (field((request.body ?? {}) as FormBody, 'confirm') !== 'yes')
      return page(
        request,
        reply,
        campaign,
        { errors: { confirm: at('campaigns.errors.confirm') } },
        400,
      );
    const result = await service.start(campaign.id, request.actor!);
    const to = (notice: string) =>
      reply.redirect(`/admin/campaigns/${campaign.id}?notice=campaigns.${notice}`, 303);
    switch (result.kind) {
      case 'started':
        return to('started');
      case 'scheduled':
        return to('scheduled');
      case 'state':
        // A second click, or another editor was quicker: the page shows where it stands.
        return to('unchanged');
      case 'missing':
        return reply.callNotFound();
      case 'blocked':
        return page(request, reply, service.find(campaign.id)!, { blocked: result.checks }, 409);
      case 'empty':
        return page(
          request,
          reply,
          service.find(campaign.id)!,
          { startProblem: at('campaigns.startEmpty') },
          409,
        );
    }
  });

  const change =
    (action: 'pause' | 'resume' | 'retryFailed' | 'cancel', notice: string) =>
    async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const campaign = findCampaign(request);
      if (!campaign) return reply.callNotFound();
      const result = await service[action](campaign.id, request.actor!);
      if (result.kind === 'missing') return reply.callNotFound();
      const key =
        result.kind === 'state'
          ? 'unchanged'
          : 'requeued' in result && result.requeued === 0
            ? 'noneFailed'
            : notice;
      return reply.redirect(`/admin/campaigns/${campaign.id}?notice=campaigns.${key}`, 303);
    };

  app.post('/campaigns/:id/pause', change('pause', 'paused'));
  app.post('/campaigns/:id/resume', change('resume', 'resumed'));
  app.post('/campaigns/:id/retry', change('retryFailed', 'retried'));
  app.post('/campaigns/:id/cancel', change('cancel', 'cancelled'));

  app.get<{ Params: { id: string } }>('/campaigns/:id/cancel', editor, async (request, reply) => {
    const campaign = findCampaign(request);
    if (!campaign) return reply.callNotFound();
    return reply.adminPage('campaigns/cancel', {
      title: request.at('campaigns.cancelQuestion'),
      campaign,
      ...describe(campaign),
    });
  });
}
