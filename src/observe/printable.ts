/** Strings from the wire, made safe to print. */

/**
 * A string from the wire made safe for a log line or a terminal: control characters (a
 * rogue's captive-portal URI can hold escape sequences or newlines) become \xNN, and it is cut
 * to `max` characters.
 */
export function printable(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}
