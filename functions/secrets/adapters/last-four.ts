/**
 * The only part of a value that ever leaves a store: its last 4 characters (code points, so an emoji is not
 * split). A value shorter than 8 characters gives nothing: its last 4 would be half of it or all of it.
 */
export const MASK_MIN_LENGTH = 8;

export function lastFourOf(value: string): string {
  const chars = Array.from(value);
  return chars.length < MASK_MIN_LENGTH ? '' : chars.slice(-4).join('');
}
