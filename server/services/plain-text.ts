/**
 * The one rule for short plain-text fields (names, labels, event names): they are shown in
 * pages and mails and may reach mail headers, so no line breaks and no markup.
 */
export function isPlainText(value: string, maxLength: number): boolean {
  return value.length <= maxLength && !/[\r\n<>]/.test(value);
}
