import { describe, expect, it } from 'vitest';
import { describeWindow, isTimeZone, windowState, type WindowTimes } from './window-time.ts';

// 2026-12-04 is a Friday; Berlin is UTC+1 in December.
const officeHours: WindowTimes = { timezone: 'Europe/Berlin', slots: [{ days: ['mon', 'tue', 'wed', 'thu'], start: '09:00', end: '17:00' }] };

describe('deployment windows in time', () => {
  it('is open inside a slot, in the window\'s time zone, and says when it closes', () => {
    // Thursday 10:00 UTC is 11:00 in Berlin: open until 17:00 Berlin = 16:00 UTC.
    expect(windowState(officeHours, new Date('2026-12-03T10:00:00Z'))).toEqual({ open: true, closesAt: new Date('2026-12-03T16:00:00Z') });
    // 08:30 UTC is 09:30 Berlin (open), 07:30 UTC is 08:30 Berlin (not yet).
    expect(windowState(officeHours, new Date('2026-12-03T08:30:00Z')).open).toBe(true);
    expect(windowState(officeHours, new Date('2026-12-03T07:30:00Z'))).toEqual({ open: false, opensAt: new Date('2026-12-03T08:00:00Z') });
  });

  it('outside, says when the next slot opens (over a weekend)', () => {
    // Friday 10:00 UTC: no slot on Fri–Sun; Monday 09:00 Berlin = 08:00 UTC.
    expect(windowState(officeHours, new Date('2026-12-04T10:00:00Z'))).toEqual({ open: false, opensAt: new Date('2026-12-07T08:00:00Z') });
  });

  it('runs past midnight when the end is before the start', () => {
    const night: WindowTimes = { timezone: 'UTC', slots: [{ days: ['fri'], start: '22:00', end: '02:00' }] };
    expect(windowState(night, new Date('2026-12-05T01:00:00Z'))).toEqual({ open: true, closesAt: new Date('2026-12-05T02:00:00Z') });
    expect(windowState(night, new Date('2026-12-05T02:00:00Z'))).toEqual({ open: false, opensAt: new Date('2026-12-11T22:00:00Z') });
    expect(windowState(night, new Date('2026-12-04T21:59:00Z')).open).toBe(false);
  });

  it('keeps local time across a daylight saving change', () => {
    // New York springs forward on Sunday 2026-03-08 at 02:00 → 03:00: 01:30 is EST (UTC−5), 03:30 is EDT (UTC−4).
    const dst: WindowTimes = { timezone: 'America/New_York', slots: [{ days: ['sun'], start: '01:30', end: '03:30' }] };
    expect(windowState(dst, new Date('2026-03-07T12:00:00Z'))).toEqual({ open: false, opensAt: new Date('2026-03-08T06:30:00Z') });
    expect(windowState(dst, new Date('2026-03-08T07:00:00Z'))).toEqual({ open: true, closesAt: new Date('2026-03-08T07:30:00Z') });
  });

  it('joins adjoining slots, treats 24:00 as the end of the day, and has no next opening without slots', () => {
    const joined: WindowTimes = { timezone: 'UTC', slots: [{ days: ['mon'], start: '20:00', end: '24:00' }, { days: ['tue'], start: '00:00', end: '06:00' }] };
    expect(windowState(joined, new Date('2026-12-07T21:00:00Z'))).toEqual({ open: true, closesAt: new Date('2026-12-08T06:00:00Z') });
    expect(windowState({ timezone: 'UTC', slots: [] }, new Date('2026-12-07T21:00:00Z'))).toEqual({ open: false });
  });

  it('describes itself and knows time zones', () => {
    expect(describeWindow(officeHours)).toBe('Mon–Thu 09:00–17:00 Europe/Berlin');
    expect(describeWindow({ timezone: 'UTC', slots: [{ days: ['sat', 'mon'], start: '22:00', end: '02:00' }] })).toBe('Mon, Sat 22:00–02:00 UTC');
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
