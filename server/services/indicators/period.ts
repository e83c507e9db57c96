import type { Range } from '../../../db/queries/indicators.js';
import { isDay } from '../consultations/index.js';
import { dateTimeInstant } from '../items/validate.js';
import type { Problems } from '../reference/problems.js';

/** A period of Berlin days `YYYY-MM-DD`, both included. */
export interface Period {
  from: string;
  to: string;
}

/** The longest period a report covers (its trend has one point per month). */
const MAX_YEARS = 30;

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The instants a period covers: its first day's midnight to the midnight after its last day. */
export function rangeOf(period: Period): Range {
  return {
    from: dateTimeInstant(`${period.from}T00:00`)!,
    to: dateTimeInstant(`${nextDay(period.to)}T00:00`)!,
  };
}

/** What is wrong with a period as a query or a form gives it. */
export function periodProblems(from: string, to: string): Problems {
  const errors: Problems = {};
  if (!isDay(from) || from < '2000-01-01') errors.from = 'indicators.errors.day';
  if (!isDay(to) || to < '2000-01-01') errors.to = 'indicators.errors.day';
  if (!errors.from && !errors.to) {
    if (to < from) errors.to = 'indicators.errors.toBeforeFrom';
    else if (Number(to.slice(0, 4)) - Number(from.slice(0, 4)) > MAX_YEARS)
      errors.to = 'indicators.errors.tooLong';
  }
  return errors;
}

/** The months a period touches, each ending on its last day or the period's last day. */
export function monthsOf(period: Period): { month: string; end: string }[] {
  const months: { month: string; end: string }[] = [];
  let year = Number(period.from.slice(0, 4));
  let month = Number(period.from.slice(5, 7));
  for (;;) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    if (key > period.to.slice(0, 7)) break;
    const last = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
    months.push({ month: key, end: last < period.to ? last : period.to });
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/** A Berlin day as people read it in German: 01.03.2017. */
export function germanDay(day: string): string {
  return `${day.slice(8, 10)}.${day.slice(5, 7)}.${day.slice(0, 4)}`;
}

/** An instant as a Berlin date (and time): 14.03.2017 or 14.03.2017, 10:00. */
export function germanTime(at: number, withTime = false): string {
  return new Date(at).toLocaleString('de-DE', {
    timeZone: 'Europe/Berlin',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
  });
}
