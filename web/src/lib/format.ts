const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export const formatTime = (iso: string | undefined): string => (iso ? absolute.format(new Date(iso)) : '—');

/** ISO 8601 times inside a text (a timeline line's "until 2026-12-05T15:00:00.000Z") as local times. */
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;
export const withLocalTimes = (text: string): string => text.replace(ISO_TIME, (iso) => (Number.isNaN(Date.parse(iso)) ? iso : formatTime(iso)));

export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** A field path from the API's 400 details (`/body/name`) as the form's field name (`name`). */
export const fieldOf = (path: string): string => path.replace(/^\/body\/?/, '').split('/')[0] ?? '';

/** A name's possessive: "Growth's", and a name ending in s takes the apostrophe alone ("Payments'"). */
export const possessive = (name: string): string => (/s$/i.test(name) ? `${name}'` : `${name}'s`);
