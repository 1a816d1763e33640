/**
 * The only part of a value that ever leaves a store: its last 4 characters (code points, so an emoji is not
 * split). A value shorter than 8 characters gives nothing: its last 4 would be half of it or all of it.
 * With `key` (an Environment reference's key into a JSON value, e.g. `password`), that field's last 4; nothing
 * when the value is not a JSON object with that string field.
 */
export const MASK_MIN_LENGTH = 8;

export function lastFourOf(value: string, key?: string): string {
  let shown = value;
  if (key !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return '';
    }
    const field = parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.prototype.hasOwnProperty.call(parsed, key) ? (parsed as Record<string, unknown>)[key] : undefined;
    if (typeof field !== 'string') return '';
    shown = field;
  }
  const chars = Array.from(shown);
  return chars.length < MASK_MIN_LENGTH ? '' : chars.slice(-4).join('');
}
