/** The self-service browse state lives in the URL (`/self-service?q=postgres&category=databases`): shareable, kept on reload. */

export type Lifecycle = 'active' | 'deprecated' | 'retired';

export interface SelfServiceFilters {
  q?: string;
  category?: string;
  owner?: string;
  tag?: string;
  lifecycle?: Lifecycle;
}

const KEYS = ['q', 'category', 'owner', 'tag', 'lifecycle'] as const;
const LIFECYCLES: readonly string[] = ['active', 'deprecated', 'retired'];
/** What the API accepts for a category (a slug), so a hand-edited URL never turns into a 400. */
const SLUG = /^[a-z][a-z0-9-]{0,62}$/;

export function selfServiceFiltersFromSearch(search: string): SelfServiceFilters {
  const params = new URLSearchParams(search);
  const f: SelfServiceFilters = {};
  const q = params.get('q')?.trim().slice(0, 200);
  if (q) f.q = q;
  const category = params.get('category')?.trim();
  if (category && SLUG.test(category)) f.category = category;
  for (const key of ['owner', 'tag'] as const) {
    const value = params.get(key)?.trim().slice(0, 64);
    if (value) f[key] = value;
  }
  const lifecycle = params.get('lifecycle');
  if (lifecycle && LIFECYCLES.includes(lifecycle)) f.lifecycle = lifecycle as Lifecycle;
  return f;
}

export function searchFromSelfServiceFilters(f: SelfServiceFilters): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = f[key];
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const activeSelfServiceFilters = (f: SelfServiceFilters): number => (['category', 'owner', 'tag', 'lifecycle'] as const).filter((k) => f[k]).length;

/** Plain text with its matched ranges as parts to mark; ranges out of bounds or overlapping are clipped. */
export function highlightParts(text: string, matches: ReadonlyArray<{ start: number; length: number }>): Array<{ text: string; match: boolean }> {
  const parts: Array<{ text: string; match: boolean }> = [];
  let at = 0;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    const start = Math.max(at, Math.min(m.start, text.length));
    const end = Math.min(text.length, m.start + m.length);
    if (end <= start) continue;
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
