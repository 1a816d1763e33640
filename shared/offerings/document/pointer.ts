/**
 * JSON pointers (RFC 6901), the way issues name places in a document: both the schema messages and the YAML
 * lines follow them, so escaping lives in one place.
 */

export const escape = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');
export const segments = (pointer: string): string[] => (pointer === '' ? [] : pointer.slice(1).split('/').map(unescape));

export function valueAt(value: unknown, pointer: string): unknown {
  let here = value;
  for (const segment of segments(pointer)) {
    if (here === null || typeof here !== 'object' || !Object.prototype.hasOwnProperty.call(here, segment)) return undefined;
    here = (here as Record<string, unknown>)[segment];
  }
  return here;
}
