/**
 * The funder's indicators: their keys, units and what each counts, in the words the report
 * prints (German, the funder's language) and in English for the English admin UI. The counting
 * itself is in `measure.ts`.
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
    'Veranstaltungen der Art „Schulung“, die im Zeitraum begonnen haben, und zwar vor dem Zeitpunkt der Auswertung (im Bericht: „Erstellt am“), und deren Anwesenheit erfasst ist. Geplante Schulungen und Schulungen ohne erfasste Anwesenheit zählen nicht.',
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

/** The same definitions in English, for the admin UI only (the funder reads German). */
const englishDefinitions: Record<IndicatorKey, string> = {
  'training-events':
    'Events of the type “training” that started in the period, and before the moment of the evaluation (in the report: “Erstellt am”), and whose attendance is recorded. Planned trainings and trainings without recorded attendance do not count.',
  'training-participants':
    'Different people recorded as present at these trainings, counted by e-mail address (someone who took part in several trainings counts once); people without an e-mail address count per registration. Cancelled registrations do not count.',
  'best-practice-meetings': `Events of the type “meeting” in the period with recorded attendance, at which at least ${MEETING_MIN_PEOPLE} different people from at least ${MEETING_MIN_REGIONS} different regions were present.`,
  counselling:
    'Entries in the counselling log dated in the period; each counselling of a single person, a group or an association counts once.',
  newsletters:
    'Editions of the newsletter whose first sending was completed in the period; an edition counts once, even if it went out in several sendings. Drafts and cancelled sendings do not count.',
  'people-reached':
    'Different people (by e-mail address, counted once across all sources) who confirmed their subscription or were present at an event in the period. Counselling names nobody and therefore does not count here.',
};

const englishUnitLabels: Record<string, string> = {
  events: 'events',
  people: 'people',
  consultations: 'consultations',
  issues: 'editions',
};

/** What each indicator counts and its units in words, in one language. */
export interface IndicatorTexts {
  definitions: Record<IndicatorKey, string>;
  units: Record<string, string>;
}

/**
 * The definitions and units in an admin language: English for `en`, German otherwise. The
 * funder's report, the CSV records and the API always take the German ones (the funder's words).
 */
export function indicatorTexts(lang: string): IndicatorTexts {
  return lang === 'en'
    ? { definitions: englishDefinitions, units: englishUnitLabels }
    : { definitions, units: unitLabels };
}
