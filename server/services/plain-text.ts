/**
 * Characters no short plain-text field may hold: C0 and C1 controls (NUL, TAB, ESC, NEL, …),
 * DEL, the line and paragraph separators, and the bidirectional overrides and isolates that
 * can make a name display as something else (RLO "‮").
 */
const FORBIDDEN_CLASS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const FORBIDDEN = new RegExp(`[${FORBIDDEN_CLASS}]`);

/**
 * The one rule for short plain-text fields (names, labels, event names): they are shown in
 * pages and mails and may reach mail headers, so no control characters, no line breaks and no
 * markup.
 */
export function isPlainText(value: string, maxLength: number): boolean {
  return value.length <= maxLength && !/[<>]/.test(value) && !hasControlCharacters(value);
}

/** Whether a value holds any of the characters above (searches refuse them too). */
export function hasControlCharacters(value: string): boolean {
  return FORBIDDEN.test(value);
}

/** The same rule as a JSON schema pattern, so the API refuses what `isPlainText` would. */
export const plainTextPattern = `^[^<>${FORBIDDEN_CLASS}]*$`;
