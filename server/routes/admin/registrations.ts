import type { FastifyInstance } from 'fastify';
import type { Registration } from '../../services/registrations/index.js';
import { lang, timeLabel } from './format.js';

type EventParams = { Params: { id: string } };
type CancelParams = { Params: { id: string; registrationId: string } };

const id = (value: string) => (/^\d{1,15}$/.test(value) ? Number(value) : undefined);

/**
 * Who registered for an event: the registered people, the waiting list in its order, and who
 * cancelled, with their needs and where they came from. Editors cancel for somebody who called.
 */
export default async function registrationRoutes(app: FastifyInstance) {
  const registrations = app.services.registrations;
  const editor = { config: { role: 'editor' as const } };

  app.get<EventParams>('/events/:id/registrations', async (request, reply) => {
    const eventId = id(request.params.id);
    const event = eventId === undefined ? undefined : app.services.events.find(eventId);
    if (!event) return reply.callNotFound();
    const choices = app.services.reference.segments.choices(lang(request));
    const regions = new Map(choices.regions.map((r) => [r.key, r.label]));
    const roles = new Map(choices.roles.map((r) => [r.key, r.label]));
    const all: Registration[] = [];
    for (let after: string | undefined; ;) {
      const page = registrations.list(event.id, { after, limit: 500 })!;
      all.push(...page.items);
      if (!page.next) break;
      after = page.next;
    }
    const waitingOrder = new Map(registrations.waiting(event.id).map((r, i) => [r.id, i + 1]));
    const editions = new Map<number, string>();
    const editionLabel = (editionId: number) => {
      if (!editions.has(editionId)) {
        const edition = app.services.editions.find(editionId);
        editions.set(
          editionId,
          edition
            ? request.at('registrations.edition', { number: edition.number, title: edition.title })
            : `#${editionId}`,
        );
      }
      return editions.get(editionId)!;
    };
    // The recommending person by name, as the multiplier view names them.
    const people = new Map<number, string>();
    const personName = (subscriberId: number) => {
      if (!people.has(subscriberId)) {
        const person = app.services.subscribers.lookup.find(subscriberId);
        people.set(subscriberId, person ? person.name || person.email : '');
      }
      return people.get(subscriberId)!;
    };
    const kindLabel = (r: Registration) =>
      r.sourceKind === 'referral' && r.referredBy !== null && personName(r.referredBy)
        ? request.at('registrations.referredBy', { name: personName(r.referredBy) })
        : request.at(`registrations.sources.${r.sourceKind}`);
    const row = (r: Registration) => ({
      ...r,
      createdLabel: timeLabel(r.createdAt, lang(request)),
      promotedLabel: r.promotedAt === null ? '' : timeLabel(r.promotedAt, lang(request)),
      roleName: r.roleKey ? (roles.get(r.roleKey) ?? r.roleKey) : '',
      regionName: r.regionKey ? (regions.get(r.regionKey) ?? r.regionKey) : '',
      sourceLabel: [
        kindLabel(r),
        r.sourceEditionId !== null ? editionLabel(r.sourceEditionId) : '',
        r.sourceCampaignId !== null
          ? request.at('registrations.campaign', { id: r.sourceCampaignId })
          : '',
        r.sourceCode ?? '',
        r.subscriberId !== null
          ? request.at('registrations.subscriber', {
              name: personName(r.subscriberId) || `#${r.subscriberId}`,
            })
          : '',
      ]
        .filter(Boolean)
        .join(' · '),
      position: waitingOrder.get(r.id) ?? null,
    });
    const byWaitingOrder = (a: { position: number | null }, b: { position: number | null }) =>
      (a.position ?? 0) - (b.position ?? 0);
    return reply.adminPage('registrations/index', {
      title: request.at('registrations.title', { title: event.title }),
      event,
      startLabel: timeLabel(event.startsAt, lang(request)),
      url: `${app.config.publicUrl}/events/${event.slug}`,
      counts: registrations.counts(event.id),
      placesLeft: registrations.placesLeft(event),
      registered: all.filter((r) => r.status === 'registered').map(row),
      waiting: all
        .filter((r) => r.status === 'waiting')
        .map(row)
        .sort(byWaitingOrder),
      cancelled: all.filter((r) => r.status === 'cancelled').map(row),
    });
  });

  app.post<CancelParams>(
    '/events/:id/registrations/:registrationId/cancel',
    editor,
    async (request, reply) => {
      const eventId = id(request.params.id);
      const registrationId = id(request.params.registrationId);
      const registration =
        registrationId === undefined ? undefined : registrations.find(registrationId);
      if (!registration || registration.eventId !== eventId) return reply.callNotFound();
      await registrations.cancel(registration.id, request.actor!);
      return reply.redirect(
        `/admin/events/${registration.eventId}/registrations?notice=registrations.cancelled`,
        303,
      );
    },
  );
}
