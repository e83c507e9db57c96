/**
 * The funder's indicators: their keys, units and what each counts, in the words the report
 * prints (German, the funder's language). The counting itself is in `measure.ts`.
 */

export const indicatorKeys = [
  'training-events',
  'training-participants',
  'best-practice-meetings',
  'counselling',
  'newsletters',
  'people-reached',
] as const;
export type IndicatorKey = (typeof indicatorKeys)[number];

export const isIndicatorKey = (value: string): value is IndicatorKey =>
  (indicatorKeys as readonly string[]).includes(value);

/** A best-practice meeting counts with at least this many people present … */
export const MEETING_MIN_PEOPLE = 20;
/** … from at least this many different regions. */
export const MEETING_MIN_REGIONS = 2;

export const definitions: Record<IndicatorKey, string> = {
  'training-events':
    'Veranstaltungen der Art „Schulung“, die im Zeitraum stattgefunden haben (Beginn vor heute) und deren Anwesenheit erfasst ist. Geplante Schulungen und Schulungen ohne erfasste Anwesenheit zählen nicht.',
  'training-participants':
    'Verschiedene Personen, die bei diesen Schulungen als anwesend erfasst sind, gezählt nach E-Mail-Adresse (wer an mehreren Schulungen teilnahm, zählt einmal); Personen ohne E-Mail-Adresse zählen je Anmeldung. Abgesagte Anmeldungen zählen nicht.',
  'best-practice-meetings': `Veranstaltungen der Art „Treffen“ im Zeitraum mit erfasster Anwesenheit, bei denen mindestens ${MEETING_MIN_PEOPLE} verschiedene Personen aus mindestens ${MEETING_MIN_REGIONS} verschiedenen Regionen anwesend waren.`,
  counselling:
    'Einträge im Beratungsprotokoll mit einem Datum im Zeitraum; jede Beratung einer Einzelperson, einer Gruppe oder eines Vereins zählt einmal.',
  newsletters:
    'Ausgaben des Newsletters, deren erster Versand im Zeitraum abgeschlossen wurde; eine Ausgabe zählt einmal, auch wenn sie in mehreren Versänden ging. Entwürfe und abgebrochene Versände zählen nicht.',
  'people-reached':
    'Verschiedene Personen (nach E-Mail-Adresse, über alle Quellen nur einmal gezählt), die im Zeitraum ihr Abonnement bestätigt haben oder bei einer Veranstaltung anwesend waren. Beratungen nennen niemanden und zählen hier deshalb nicht mit.',
};

/** Units as the report prints them after a number. */
export const unitLabels: Record<string, string> = {
  events: 'Veranstaltungen',
  people: 'Personen',
  consultations: 'Beratungen',
  issues: 'Ausgaben',
};
