// Time windows as pure functions: "Mon–Fri 08:00–18:00 Europe/Berlin" holds
// when the instant's local wall-clock time in that zone falls inside. Local
// time comes from Intl (the platform's tz database), so DST is handled by the
// same rules as the zone itself: on a spring-forward day 02:30 never happens
// in Berlin, on fall-back day 02:30 happens twice and both instants match.
import { DAY_LABELS, DAYS, type Day, type TimeWindow } from "../schemas/policy";

const DAY_INDEX: Record<string, Day> = {
  Mon: "mon",
  Tue: "tue",
  Wed: "wed",
  Thu: "thu",
  Fri: "fri",
  Sat: "sat",
  Sun: "sun",
};
const PREVIOUS: Record<Day, Day> = {
  mon: "sun",
  tue: "mon",
  wed: "tue",
  thu: "wed",
  fri: "thu",
  sat: "fri",
  sun: "sat",
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export type LocalTime = { day: Day; minutes: number };

/** Day of week and minutes since local midnight of `at` in `timeZone`. */
export function localTime(at: number, timeZone: string): LocalTime {
  let day: Day = "mon";
  let hour = 0;
  let minute = 0;
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type === "weekday") day = DAY_INDEX[p.value] ?? "mon";
    else if (p.type === "hour") hour = Number(p.value);
    else if (p.type === "minute") minute = Number(p.value);
  }
  return { day, minutes: hour * 60 + minute };
}

function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * Whether `at` falls in the window. start inclusive, end exclusive. A window
 * whose end is before its start spans midnight and belongs to its start's day
 * (Fri 22:00–02:00 holds Fri 23:00 and Sat 01:00, not Fri 01:00).
 */
export function inTimeWindow(window: TimeWindow, at: number): boolean {
  const { day, minutes } = localTime(at, window.timeZone);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (start < end) return window.days.includes(day) && minutes >= start && minutes < end;
  if (minutes >= start) return window.days.includes(day);
  return minutes < end && window.days.includes(PREVIOUS[day]);
}

/** The first window holding `at`, or null. */
export function matchTimeWindows(windows: readonly TimeWindow[], at: number): TimeWindow | null {
  for (const w of windows) if (inTimeWindow(w, at)) return w;
  return null;
}

/** "Mon–Fri 08:00–18:00 Europe/Berlin" (consecutive days as a range). */
export function describeTimeWindow(w: TimeWindow): string {
  const idx = [...new Set(w.days)].map((d) => DAYS.indexOf(d)).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    const a = DAY_LABELS[DAYS[idx[i]]];
    const b = DAY_LABELS[DAYS[idx[j]]];
    parts.push(j - i >= 2 ? `${a}–${b}` : j > i ? `${a}, ${b}` : a);
    i = j + 1;
  }
  return `${parts.join(", ")} ${w.start}–${w.end} ${w.timeZone}`;
}
