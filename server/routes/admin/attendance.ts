import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field, many, type FormBody } from '../../http/form.js';
import {
  walkInConsentSources,
  walkInLimits,
  type AttendanceList,
} from '../../services/attendance/index.js';
import { problemTexts, type Problems } from '../../services/reference/index.js';
import { lang, timeLabel } from './format.js';

type Params = { Params: { id: string } };

/** What the walk-in form shows: as typed, so a refused form comes back with the typed values. */
interface WalkInValues {
  name: string;
  email: string;
  organisation: string;
  role: string;
  region: string;
  consentSource: string;
}

const walkInFields = ['name', 'email', 'organisation', 'role', 'region', 'consentSource'] as const;

const emptyWalkIn: WalkInValues = {
  name: '',
  email: '',
  organisation: '',
  role: '',
  region: '',
  consentSource: '',
};

const ids = (values: string[]) => values.filter((v) => /^\d{1,15}$/.test(v)).map((v) => Number(v));

/** A day `YYYY-MM-DD` as people read it: 04.05.2026 in German, 04/05/2026 in English. */
const dayLabel = (day: string, lang: string) => {
  const [y, m, d] = day.split('-');
  return lang === 'de' ? `${d}.${m}.${y}` : `${d}/${m}/${y}`;
};

/**
 * Attendance at an event: a list to tick on a phone at the door, walk-ins with how they agreed
 * to be recorded, and the signature list to print. Everyone may look; editors record.
 */
export default async function attendanceRoutes(app: FastifyInstance) {
  const service = app.services.attendance;

  const eventId = (request: FastifyRequest<Params>) =>
    /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : undefined;

  const page = (
    request: FastifyRequest,
    reply: FastifyReply,
    list: AttendanceList,
    data: { values?: WalkInValues; problems?: Problems; message?: string } = {},
    status = 200,
  ) => {
    const { at } = request;
    const choices = app.services.reference.segments.choices(lang(request));
    const values = data.values ?? emptyWalkIn;
    const errors = problemTexts(data.problems ?? {}, at);
    const regions = new Map(choices.regions.map((r) => [r.key, r.label]));
    const event = list.event;
    return reply.adminPage(
      'attendance',
      {
        title: `${at('attendance.title')}: ${event.title}`,
        event,
        when: timeLabel(event.startsAt, lang(request)),
        list: {
          ...list,
          attendees: list.attendees.map((a) => ({
            ...a,
            regionName: a.regionKey ? (regions.get(a.regionKey) ?? a.regionKey) : '',
          })),
        },
        counter: at('attendance.counter', { present: list.present, registered: list.registered }),
        recordedAt: event.attendanceRecordedAt
          ? at('attendance.recordedAt', {
              time: timeLabel(event.attendanceRecordedAt, lang(request)),
            })
          : at('attendance.notRecorded'),
        tooEarly: list.open
          ? ''
          : at('attendance.tooEarly', { day: dayLabel(list.opensOn, lang(request)) }),
        message: data.message ?? '',
        values,
        errors,
        summary: walkInFields
          .filter((name) => errors[name])
          .map((name) => ({
            href: `#${name}`,
            text: `${at(`attendance.walkIn.${name}`)}: ${errors[name]}`,
          })),
        roles: choices.roles.filter((r) => r.active || r.key === values.role),
        regions: choices.regions.filter((r) => r.active || r.key === values.region),
        consentSources: walkInConsentSources,
        scripts: list.open ? ['/assets/admin-attendance.js'] : [],
        limits: walkInLimits,
      },
      status,
    );
  };

  app.get<Params>('/events/:id/attendance', async (request, reply) => {
    const id = eventId(request);
    const list = id === undefined ? undefined : service.list(id);
    if (!list) return reply.callNotFound();
    return page(request, reply, list);
  });

  app.get<Params>('/events/:id/signature-list.pdf', async (request, reply) => {
    const id = eventId(request);
    const pdf = id === undefined ? undefined : await service.signatureList(id, lang(request));
    if (!pdf) return reply.callNotFound();
    return reply
      .header('Content-Type', 'application/pdf')
      .header('Content-Disposition', `inline; filename="signature-list-${id}.pdf"`)
      .header('Cache-Control', 'no-store')
      .send(pdf);
  });

  /** The list form sends the ticked ids as `present` and every id it showed as `shown`. */
  app.post<Params>('/events/:id/attendance', async (request, reply) => {
    const id = eventId(request);
    if (id === undefined) return reply.callNotFound();
    const body = (request.body ?? {}) as FormBody;
    const present = ids(many(body.present));
    const shown = ids(many(body.shown));
    const result = service.record(
      id,
      { present, absent: shown.filter((s) => !present.includes(s)) },
      request.actor!,
    );
    if (result.kind === 'missing') return reply.callNotFound();
    // The list's script saves each tick as it happens and shows the new count.
    const json = /application\/json/.test(request.headers.accept ?? '');
    if (json)
      return result.kind === 'recorded'
        ? {
            present: result.present,
            registered: result.registered,
            counter: request.at('attendance.counter', {
              present: result.present,
              registered: result.registered,
            }),
          }
        : reply.code(409).send({
            error: 'Conflict',
            message: request.at(
              result.kind === 'unknown' ? 'attendance.unknownPeople' : 'attendance.notOpen',
            ),
            statusCode: 409,
          });
    if (result.kind === 'recorded')
      return reply.redirect(`/admin/events/${id}/attendance?notice=attendance.saved`, 303);
    const list = service.list(id)!;
    return page(
      request,
      reply,
      list,
      { message: result.kind === 'unknown' ? request.at('attendance.unknownPeople') : '' },
      409,
    );
  });

  app.post<Params>('/events/:id/attendance/walk-ins', async (request, reply) => {
    const id = eventId(request);
    if (id === undefined) return reply.callNotFound();
    const body = (request.body ?? {}) as FormBody;
    const values = Object.fromEntries(
      walkInFields.map((name) => [name, field(body, name)]),
    ) as unknown as WalkInValues;
    const result = service.addWalkIn(id, values, request.actor!);
    if (result.kind === 'missing') return reply.callNotFound();
    if (result.kind === 'added') {
      const notice = result.existing ? 'attendance.walkInRegistered' : 'attendance.walkInAdded';
      return reply.redirect(`/admin/events/${id}/attendance?notice=${notice}`, 303);
    }
    const list = service.list(id)!;
    if (result.kind === 'too-early') return page(request, reply, list, { values }, 409);
    return page(request, reply, list, { values, problems: result.errors }, 400);
  });
}
