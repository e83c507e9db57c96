import type Database from 'better-sqlite3';
import { dateTimeInstant } from '../../server/services/items/validate.js';

/**
 * Rows the indicators count, written straight into SQLite the way the features that own them
 * store them (editions and campaigns, events with registrations and attendance, the counselling
 * log, subscribers, tracking events).
 */
export class IndicatorRows {
  private slug = 0;

  constructor(private readonly sqlite: Database.Database) {}

  /** A Berlin wall-clock time `YYYY-MM-DDTHH:mm` as an instant. */
  static at(wallClock: string): number {
    return dateTimeInstant(wallClock)!;
  }

  private insert(table: string, row: Record<string, unknown>): number {
    const cols = Object.keys(row);
    return Number(
      this.sqlite
        .prepare(
          `insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`,
        )
        .run(...cols.map((c) => (typeof row[c] === 'boolean' ? (row[c] ? 1 : 0) : row[c])))
        .lastInsertRowid,
    );
  }

  edition(number: number, title = `Ausgabe ${number}`): number {
    return this.insert('editions', {
      number,
      title,
      subject: title,
      slug: `ausgabe-${number}`,
      sections: '[]',
      translations: '{}',
      status: 'sent',
    });
  }

  /** A campaign of an edition; `finishedAt` as Berlin wall-clock time. */
  campaign(editionId: number, status: string, finishedAt?: string): number {
    return this.insert('campaigns', {
      edition_id: editionId,
      status,
      segment_ids: '[]',
      list_ids: '[]',
      finished_at: finishedAt ? IndicatorRows.at(finishedAt) : null,
    });
  }

  delivery(campaignId: number, editionId: number, status = 'sent', subscriberId?: number): number {
    return this.insert('deliveries', {
      campaign_id: campaignId,
      edition_id: editionId,
      subscriber_id: subscriberId ?? null,
      status,
      language: 'de',
    });
  }

  tracking(
    campaignId: number,
    kind: 'open' | 'click',
    cls: 'human' | 'machine' | 'scanner',
    deliveryId: number | null = null,
  ): number {
    return this.insert('tracking_events', {
      kind,
      class: cls,
      campaign_id: campaignId,
      delivery_id: deliveryId,
      language: 'de',
      at: Date.now(),
    });
  }

  event(e: {
    type: 'training' | 'meeting' | 'other';
    title: string;
    startsAt: string;
    recorded?: boolean;
    region?: string;
  }): number {
    this.slug += 1;
    return this.insert('events', {
      type: e.type,
      title: e.title,
      starts_at: IndicatorRows.at(e.startsAt),
      region_key: e.region ?? null,
      slug: `event-${this.slug}`,
      attendance_recorded_at: e.recorded ? IndicatorRows.at(e.startsAt) + 7_200_000 : null,
    });
  }

  registration(
    eventId: number,
    r: {
      email: string | null;
      name?: string;
      region?: string | null;
      role?: string | null;
      status?: 'registered' | 'waiting' | 'cancelled';
      present?: boolean | null;
      walkIn?: boolean;
    },
  ): number {
    return this.insert('event_registrations', {
      event_id: eventId,
      email: r.email,
      name: r.name ?? r.email ?? 'Gast',
      region_key: r.region ?? null,
      role_key: r.role ?? null,
      status: r.status ?? 'registered',
      present: r.present === undefined ? null : r.present,
      walk_in: r.walkIn ?? false,
      consent_source: r.walkIn ? 'signature-list' : null,
    });
  }

  /** `count` people present at an event, from the given regions in turn. */
  present(eventId: number, count: number, regions: string[], prefix: string): void {
    for (let i = 0; i < count; i++)
      this.registration(eventId, {
        email: `${prefix}${i}@example.org`,
        region: regions[i % regions.length],
        present: true,
      });
  }

  consultation(heldOn: string, kind = 'person', region?: string, people = 1): number {
    return this.insert('consultations', {
      held_on: heldOn,
      kind,
      topic: 'Beratung',
      region_key: region ?? null,
      people,
    });
  }

  subscriber(s: {
    email: string;
    confirmedAt?: string;
    unsubscribedAt?: string;
    region?: string;
    roles?: string[];
    sourceKind?: string;
    status?: string;
  }): number {
    const id = this.insert('subscribers', {
      email: s.email,
      status: s.status ?? (s.confirmedAt ? 'confirmed' : 'unconfirmed'),
      confirmed_at: s.confirmedAt ? IndicatorRows.at(s.confirmedAt) : null,
      unsubscribed_at: s.unsubscribedAt ? IndicatorRows.at(s.unsubscribedAt) : null,
      region_key: s.region ?? null,
      source_kind: s.sourceKind ?? 'direct',
    });
    for (const role of s.roles ?? [])
      this.insert('subscriber_roles', { subscriber_id: id, role_key: role });
    return id;
  }
}
