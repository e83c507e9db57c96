import type { Tx } from '../../../db/client.js';
import * as q from '../../../db/queries/indicators.js';
import type {
  Attendee,
  ConfirmedSubscriber,
  HeldConsultation,
  HeldEvent,
  Range,
  SentEdition,
} from '../../../db/queries/indicators.js';
import { MEETING_MIN_PEOPLE, MEETING_MIN_REGIONS, type IndicatorKey } from './definitions.js';

/** One person as the indicators count them: by lower-cased e-mail, or by registration without one. */
export const personKey = (email: string | null, registrationId: number): string =>
  email ? email.trim().toLowerCase() : `registration:${registrationId}`;

export interface Meeting {
  event: HeldEvent;
  /** Distinct people present. */
  people: number;
  /** Distinct regions they came from. */
  regions: string[];
  counts: boolean;
}

/** Somebody reached: where the indicator found them first, their region and roles. */
export interface ReachedPerson {
  key: string;
  source: 'subscriber' | 'attendee';
  /** The subscriber's or the registration's id. */
  id: number;
  email: string | null;
  name: string;
  regionKey: string | null;
  roleKeys: string[];
}

/** The records behind every indicator for one range: what counts, and why. */
export interface Evidence {
  newsletters: SentEdition[];
  trainings: HeldEvent[];
  /** Present at the trainings, in event order; `first` marks the row a person counts with. */
  trainingAttendees: (Attendee & { first: boolean })[];
  meetings: Meeting[];
  consultations: HeldConsultation[];
  reached: ReachedPerson[];
}

function markFirst(attendees: Attendee[]): (Attendee & { first: boolean })[] {
  const seen = new Set<string>();
  return attendees.map((a) => {
    const key = personKey(a.email, a.id);
    const first = !seen.has(key);
    seen.add(key);
    return { ...a, first };
  });
}

function meetingOf(event: HeldEvent, attendees: Attendee[]): Meeting {
  const people = new Set<string>();
  const regions = new Set<string>();
  for (const a of attendees) {
    if (a.eventId !== event.id) continue;
    people.add(personKey(a.email, a.id));
    if (a.regionKey) regions.add(a.regionKey);
  }
  return {
    event,
    people: people.size,
    regions: [...regions].sort(),
    counts: people.size >= MEETING_MIN_PEOPLE && regions.size >= MEETING_MIN_REGIONS,
  };
}

/** Subscribers first (their profile has the region and roles), then attendees not yet counted. */
function reachedOf(subscribers: ConfirmedSubscriber[], attendees: Attendee[]): ReachedPerson[] {
  const people = new Map<string, ReachedPerson>();
  for (const s of subscribers) {
    const key = personKey(s.email, s.id);
    if (!people.has(key))
      people.set(key, {
        key,
        source: 'subscriber',
        id: s.id,
        email: s.email,
        name: s.name,
        regionKey: s.regionKey,
        roleKeys: s.roleKeys,
      });
  }
  for (const a of attendees) {
    const key = personKey(a.email, a.id);
    const known = people.get(key);
    if (known) {
      known.regionKey ??= a.regionKey;
      if (a.roleKey && !known.roleKeys.includes(a.roleKey)) known.roleKeys.push(a.roleKey);
      continue;
    }
    people.set(key, {
      key,
      source: 'attendee',
      id: a.id,
      email: a.email,
      name: a.name,
      regionKey: a.regionKey,
      roleKeys: a.roleKey ? [a.roleKey] : [],
    });
  }
  return [...people.values()];
}

/**
 * Everything the indicators count in a range (instants) and the consultations' days: `now`
 * separates what took place from what is planned.
 */
export function gatherEvidence(
  range: Range,
  days: { from: string; to: string },
  now: number,
  tx: Tx,
): Evidence {
  const trainings = q.heldEvents('training', range, now, tx);
  const meetingEvents = q.heldEvents('meeting', range, now, tx);
  const allHeld = q.heldEvents(null, range, now, tx);
  const meetingAttendees = q.presentAttendees(
    meetingEvents.map((e) => e.id),
    tx,
  );
  return {
    newsletters: q.sentEditions(range, tx),
    trainings,
    trainingAttendees: markFirst(
      q.presentAttendees(
        trainings.map((e) => e.id),
        tx,
      ),
    ),
    meetings: meetingEvents.map((e) => meetingOf(e, meetingAttendees)),
    consultations: q.consultationsHeld(days.from, days.to, tx),
    reached: reachedOf(
      q.confirmedSubscribers(range, tx),
      q.presentAttendees(
        allHeld.map((e) => e.id),
        tx,
      ),
    ),
  };
}

/** The value of each indicator from its records. */
export function valuesOf(e: Evidence): Record<IndicatorKey, number> {
  return {
    'training-events': e.trainings.length,
    'training-participants': e.trainingAttendees.filter((a) => a.first).length,
    'best-practice-meetings': e.meetings.filter((m) => m.counts).length,
    counselling: e.consultations.length,
    newsletters: e.newsletters.length,
    'people-reached': e.reached.length,
  };
}
