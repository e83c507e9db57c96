/**
 * A calendar entry (RFC 5545) for one registration: a VCALENDAR with one VEVENT in UTC, so no
 * time-zone definition is needed and every calendar shows Berlin time correctly. Lines end in
 * CRLF and are folded at 75 octets without splitting a character; text values are escaped.
 */

export interface CalendarEntry {
  /** Stable per registration: a changed or repeated mail updates the same entry. */
  uid: string;
  /** When the entry was written. */
  stamp: number;
  start: number;
  /** None: the entry has only a start. */
  end: number | null;
  summary: string;
  location: string;
  description: string;
  url?: string;
}

/** `20260504T080000Z`: an instant in UTC as iCalendar writes it. */
export function icsDateTime(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** A TEXT value: backslash, semicolon and comma escaped, line breaks as `\n`. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n?|\n/g, '\\n');
}

/** One content line folded into lines of at most 75 octets; continuations start with a space. */
export function foldLine(line: string): string {
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    // The first line holds 75 octets; continuations 74 after their leading space.
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** The whole calendar file. Control characters other than line breaks are dropped. */
export function calendarFile(entry: CalendarEntry, prodId = '-//Landpost//Events//DE'): string {
  const clean = (value: string) =>
    // eslint-disable-next-line no-control-regex
    value.replace(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/g, '');
  const text = (value: string) => escapeText(clean(value));
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${prodId}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${clean(entry.uid)}`,
    `DTSTAMP:${icsDateTime(entry.stamp)}`,
    `DTSTART:${icsDateTime(entry.start)}`,
    ...(entry.end !== null ? [`DTEND:${icsDateTime(entry.end)}`] : []),
    `SUMMARY:${text(entry.summary)}`,
    ...(entry.location ? [`LOCATION:${text(entry.location)}`] : []),
    ...(entry.description ? [`DESCRIPTION:${text(entry.description)}`] : []),
    ...(entry.url ? [`URL:${clean(entry.url)}`] : []),
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
