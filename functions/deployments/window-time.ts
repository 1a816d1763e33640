/**
 * Deployment windows in time: whether a window is open at an instant and when it next opens or closes, in
 * the window's own time zone (IANA, daylight saving included). Pure.
 *
 * A slot is days of the week and a start and end in local time ("09:00"–"17:00"); an end before its start
 * runs past midnight ("22:00"–"02:00" on fri is open Friday 22:00 to Saturday 02:00); "24:00" is the end
 * of the day.
 */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WindowSlot {
  readonly days: readonly Weekday[];
  readonly start: string;
  readonly end: string;
}

export interface WindowTimes {
  readonly timezone: string;
  readonly slots: readonly WindowSlot[];
}

export interface WindowState {
  readonly open: boolean;
  /** Closed: when the next slot opens (none within 8 days: undefined). */
  readonly opensAt?: Date;
  /** Open: when this slot ends. */
  readonly closesAt?: Date;
}

const DAY_MS = 86_400_000;
const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the time zone is one Intl knows (an unknown one is a 400 when the window is set). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface Local { readonly y: number; readonly mo: number; readonly d: number; readonly minutes: number; readonly weekday: number }

function local(t: number, timeZone: string): Local {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const weekday = new Date(Date.UTC(parts.year!, parts.month! - 1, parts.day!)).getUTCDay();
  return { y: parts.year!, mo: parts.month!, d: parts.day!, minutes: parts.hour! * 60 + parts.minute!, weekday };
}

/** The zone's offset from UTC at an instant, in ms (local wall time − UTC). */
function offsetAt(t: number, timeZone: string): number {
  const l = local(t, timeZone);
  const wall = Date.UTC(l.y, l.mo - 1, l.d, 0, l.minutes);
  return wall - Math.floor(t / 60_000) * 60_000;
}

/** The instant a local wall time (a date and minutes after its midnight) happens in the zone. */
function instantOf(y: number, mo: number, d: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(y, mo - 1, d, 0, minutes);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}

/** The slot's open intervals that start on the local date `day` (0 = today) relative to `now`. */
function intervals(w: WindowTimes, now: number, fromDay: number, toDay: number): Array<[number, number]> {
  const today = local(now, w.timezone);
  const out: Array<[number, number]> = [];
  for (let k = fromDay; k <= toDay; k++) {
    const date = new Date(Date.UTC(today.y, today.mo - 1, today.d + k));
    const weekday = WEEKDAYS[date.getUTCDay()]!;
    const [y, mo, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    for (const slot of w.slots) {
      if (!slot.days.includes(weekday)) continue;
      const start = minutesOf(slot.start);
      const endMinutes = minutesOf(slot.end);
      const end = endMinutes <= start ? endMinutes + 24 * 60 : endMinutes;
      out.push([instantOf(y, mo, d, start, w.timezone), instantOf(y, mo, d, end, w.timezone)]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

export function windowState(w: WindowTimes, at: Date | number = Date.now()): WindowState {
  const now = typeof at === 'number' ? at : at.getTime();
  const all = intervals(w, now, -1, 8);
  const current = all.filter(([s, e]) => s <= now && now < e);
  if (current.length) {
    // Adjoining or overlapping slots (Mon 22:00–02:00 and Tue 00:00–06:00) close when the last of them does.
    let closes = Math.max(...current.map(([, e]) => e));
    for (const [s, e] of all) if (s <= closes && e > closes) closes = e;
    return { open: true, closesAt: new Date(closes) };
  }
  const next = all.find(([s]) => s > now);
  return next ? { open: false, opensAt: new Date(next[0]) } : { open: false };
}

/** "Mon–Fri 09:00–17:00 Europe/Berlin" */
export function describeWindow(w: WindowTimes): string {
  const days = (slot: WindowSlot) => {
    const idx = slot.days.map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
    const contiguous = idx.every((v, i) => i === 0 || (idx[i - 1]! + 1) % 7 === v);
    const name = (i: number) => WEEKDAYS[i]!.charAt(0).toUpperCase() + WEEKDAYS[i]!.slice(1);
    return contiguous && idx.length > 2 ? `${name(idx[0]!)}–${name(idx.at(-1)!)}` : idx.map(name).join(', ');
  };
  return `${w.slots.map((s) => `${days(s)} ${s.start}–${s.end}`).join('; ')} ${w.timezone}`;
}

export const DAY = DAY_MS;
