import { CSV_BOM, csvRow, type CsvValue } from '../../infra/csv.js';
import type { IndicatorKey } from './definitions.js';
import type { Evidence } from './measure.js';
import { germanTime } from './period.js';

/** Region and role names for the records. */
export interface Names {
  region(key: string | null): string;
  role(key: string | null): string;
}

const yesNo = (v: boolean) => (v ? 'ja' : 'nein');

/**
 * The records behind one indicator as CSV rows (header first). Without `personal` they carry
 * ids and counts only; with it the names and e-mail addresses of the people counted.
 */
export function evidenceRows(
  key: IndicatorKey,
  e: Evidence,
  names: Names,
  personal: boolean,
): CsvValue[][] {
  switch (key) {
    case 'newsletters':
      return [
        [
          'Ausgabe (ID)',
          'Nummer',
          'Titel',
          'Erster Versand abgeschlossen',
          'Versände (IDs)',
          'Zugestellt',
        ],
        ...e.newsletters.map((n) => [
          n.id,
          n.number,
          n.title,
          germanTime(n.firstSentAt, true),
          n.campaignIds.join(' '),
          n.delivered,
        ]),
      ];
    case 'training-events':
      return [
        ['Veranstaltung (ID)', 'Titel', 'Beginn', 'Region', 'Anwesenheit erfasst', 'Anwesend'],
        ...e.trainings.map((t) => [
          t.id,
          t.title,
          germanTime(t.startsAt, true),
          names.region(t.regionKey),
          t.attendanceRecordedAt ? germanTime(t.attendanceRecordedAt, true) : '',
          e.trainingAttendees.filter((a) => a.eventId === t.id).length,
        ]),
      ];
    case 'training-participants': {
      const titles = new Map(e.trainings.map((t) => [t.id, t.title]));
      return [
        [
          'Anmeldung (ID)',
          'Veranstaltung (ID)',
          'Veranstaltung',
          'Region',
          'Rolle',
          'Ohne Anmeldung gekommen',
          'Zählt (erste Teilnahme der Person)',
          ...(personal ? ['Name', 'E-Mail'] : []),
        ],
        ...e.trainingAttendees.map((a) => [
          a.id,
          a.eventId,
          titles.get(a.eventId) ?? '',
          names.region(a.regionKey),
          names.role(a.roleKey),
          yesNo(a.walkIn),
          yesNo(a.first),
          ...(personal ? [a.name, a.email ?? ''] : []),
        ]),
      ];
    }
    case 'best-practice-meetings':
      return [
        ['Veranstaltung (ID)', 'Titel', 'Beginn', 'Anwesende Personen', 'Regionen', 'Zählt'],
        ...e.meetings.map((m) => [
          m.event.id,
          m.event.title,
          germanTime(m.event.startsAt, true),
          m.people,
          m.regions.map((r) => names.region(r)).join(', '),
          yesNo(m.counts),
        ]),
      ];
    case 'counselling':
      return [
        ['Beratung (ID)', 'Datum', 'Art', 'Region', 'Thema', 'Personen'],
        ...e.consultations.map((c) => [
          c.id,
          `${c.heldOn.slice(8, 10)}.${c.heldOn.slice(5, 7)}.${c.heldOn.slice(0, 4)}`,
          { person: 'Einzelperson', group: 'Gruppe', association: 'Verein' }[c.kind],
          names.region(c.regionKey),
          c.topic,
          c.people,
        ]),
      ];
    case 'people-reached':
      return [
        ['Quelle', 'ID', 'Region', 'Rollen', ...(personal ? ['Name', 'E-Mail'] : [])],
        ...e.reached.map((p) => [
          p.source === 'subscriber' ? 'Abonnement bestätigt' : 'Bei Veranstaltung anwesend',
          p.id,
          names.region(p.regionKey),
          p.roleKeys.map((r) => names.role(r)).join(', '),
          ...(personal ? [p.name, p.email ?? ''] : []),
        ]),
      ];
  }
}

/** CSV text with a byte order mark (spreadsheets then read UTF-8), comma-separated, CRLF rows. */
export function toCsv(rows: CsvValue[][]): string {
  return CSV_BOM + rows.map(csvRow).join('');
}
