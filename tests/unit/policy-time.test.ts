import { describe, expect, it } from "vitest";
import { describeTimeWindow, inTimeWindow, localTime, matchTimeWindows } from "../../lib/policy/time";
import { timeWindowSchema, type Day, type TimeWindow } from "../../lib/schemas/policy";

// Instants are written with an explicit UTC offset (or Z), worked out by hand from the zone's rules,
// so the expectations don't depend on the Intl code under test.
const at = (iso: string) => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad test instant ${iso}`);
  return t;
};

const WEEKDAYS: Day[] = ["mon", "tue", "wed", "thu", "fri"];
const tw = (days: Day[], start: string, end: string, timeZone: string): TimeWindow => ({ days, start, end, timeZone });
const OFFICE = tw(WEEKDAYS, "08:00", "18:00", "Europe/Berlin");

describe("Mon–Fri 08:00–18:00 Europe/Berlin", () => {
  // 2026-01-07 is a Wednesday; Berlin is on CET (UTC+1) in January.
  it("winter (UTC+1): start inclusive, end exclusive", () => {
    expect(inTimeWindow(OFFICE, at("2026-01-07T07:59:59+01:00"))).toBe(false);
    expect(inTimeWindow(OFFICE, at("2026-01-07T08:00:00+01:00"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-01-07T12:00:00+01:00"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-01-07T17:59:00+01:00"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-01-07T17:59:59+01:00"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-01-07T18:00:00+01:00"))).toBe(false);
  });

  it("winter, seen from UTC: 07:00Z is 08:00 local (in), 17:00Z is 18:00 local (out)", () => {
    expect(inTimeWindow(OFFICE, at("2026-01-07T06:59:59Z"))).toBe(false);
    expect(inTimeWindow(OFFICE, at("2026-01-07T07:00:00Z"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-01-07T16:59:59Z"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-01-07T17:00:00Z"))).toBe(false);
  });

  // 2026-07-01 is a Wednesday; Berlin is on CEST (UTC+2) in July.
  it("summer (UTC+2): start inclusive, end exclusive", () => {
    expect(inTimeWindow(OFFICE, at("2026-07-01T07:59:59+02:00"))).toBe(false);
    expect(inTimeWindow(OFFICE, at("2026-07-01T08:00:00+02:00"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-07-01T17:59:00+02:00"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-07-01T18:00:00+02:00"))).toBe(false);
    // 07:00Z is 09:00 in summer (in); 06:00Z is 08:00 (in); 05:59Z is 07:59 (out); 16:00Z is 18:00 (out).
    expect(inTimeWindow(OFFICE, at("2026-07-01T05:59:00Z"))).toBe(false);
    expect(inTimeWindow(OFFICE, at("2026-07-01T06:00:00Z"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-07-01T15:59:00Z"))).toBe(true);
    expect(inTimeWindow(OFFICE, at("2026-07-01T16:00:00Z"))).toBe(false);
  });

  it("the weekend is out, Monday and Friday are in", () => {
    expect(inTimeWindow(OFFICE, at("2026-01-10T12:00:00+01:00"))).toBe(false); // Saturday
    expect(inTimeWindow(OFFICE, at("2026-01-11T12:00:00+01:00"))).toBe(false); // Sunday
    expect(inTimeWindow(OFFICE, at("2026-07-04T12:00:00+02:00"))).toBe(false); // Saturday
    expect(inTimeWindow(OFFICE, at("2026-01-05T08:00:00+01:00"))).toBe(true); // Monday
    expect(inTimeWindow(OFFICE, at("2026-01-09T17:59:00+01:00"))).toBe(true); // Friday
  });

  it("the day is the local one, not UTC's: Fri 23:30Z is already Saturday in Berlin", () => {
    const allDayFriday = tw(["fri"], "00:00", "24:00", "Europe/Berlin");
    expect(inTimeWindow(allDayFriday, at("2026-01-09T22:59:00Z"))).toBe(true); // Fri 23:59 local
    expect(inTimeWindow(allDayFriday, at("2026-01-09T23:30:00Z"))).toBe(false); // Sat 00:30 local
    expect(inTimeWindow(allDayFriday, at("2026-01-08T23:30:00Z"))).toBe(true); // Fri 00:30 local
  });
});

describe("localTime", () => {
  it("gives the local weekday and minutes since local midnight", () => {
    expect(localTime(at("2026-01-07T12:34:56+01:00"), "Europe/Berlin")).toEqual({ day: "wed", minutes: 12 * 60 + 34 });
    expect(localTime(at("2026-07-01T00:00:00+02:00"), "Europe/Berlin")).toEqual({ day: "wed", minutes: 0 });
    expect(localTime(at("2026-01-05T22:59:00Z"), "Europe/Berlin")).toEqual({ day: "mon", minutes: 23 * 60 + 59 });
    expect(localTime(at("2026-01-05T23:00:00Z"), "Europe/Berlin")).toEqual({ day: "tue", minutes: 0 });
    expect(localTime(at("2026-01-05T23:00:00Z"), "UTC")).toEqual({ day: "mon", minutes: 23 * 60 });
  });

  it("midnight is 0, never 24:00", () => {
    expect(localTime(at("2026-06-01T00:00:00Z"), "UTC")).toEqual({ day: "mon", minutes: 0 });
  });

  it("handles a +05:45 zone (Asia/Kathmandu)", () => {
    expect(localTime(at("2026-06-01T00:00:00Z"), "Asia/Kathmandu")).toEqual({ day: "mon", minutes: 5 * 60 + 45 });
    expect(localTime(at("2026-06-01T18:15:00Z"), "Asia/Kathmandu")).toEqual({ day: "tue", minutes: 0 });
  });
});

describe("DST transitions", () => {
  // Europe/Berlin, Sunday 2026-03-29: at 01:00Z the clocks jump from 02:00 CET to 03:00 CEST.
  describe("Europe/Berlin spring forward (2026-03-29)", () => {
    const sun = (start: string, end: string) => tw(["sun"], start, end, "Europe/Berlin");

    it("a 01:00–04:00 window holds 01:30 (CET) and 03:30 (CEST) local", () => {
      const w = sun("01:00", "04:00");
      expect(inTimeWindow(w, at("2026-03-29T01:30:00+01:00"))).toBe(true); // = 00:30Z
      expect(inTimeWindow(w, at("2026-03-29T03:30:00+02:00"))).toBe(true); // = 01:30Z
      expect(inTimeWindow(w, at("2026-03-29T00:59:59Z"))).toBe(true); // 01:59:59 CET, just before the jump
      expect(inTimeWindow(w, at("2026-03-29T01:00:00Z"))).toBe(true); // 03:00 CEST, just after
      expect(inTimeWindow(w, at("2026-03-29T00:59:00+01:00"))).toBe(false); // 00:59 CET
      expect(inTimeWindow(w, at("2026-03-29T04:00:00+02:00"))).toBe(false); // = 02:00Z: the window lasted 2 real hours
    });

    it("a 02:00–03:00 window matches no instant of that day (checked every 5 minutes)", () => {
      const w = sun("02:00", "03:00");
      const dayStart = at("2026-03-29T00:00:00+01:00");
      const dayEnd = at("2026-03-30T00:00:00+02:00"); // a 23-hour day
      const hits: string[] = [];
      let checked = 0;
      for (let t = dayStart; t < dayEnd; t += 5 * 60_000, checked++) {
        if (inTimeWindow(w, t)) hits.push(new Date(t).toISOString());
      }
      expect(checked).toBe(23 * 12);
      expect(hits).toEqual([]);
      // The same window does hold 02:30 on the following Sunday (guards against a window that never matches).
      expect(inTimeWindow(w, at("2026-04-05T02:30:00+02:00"))).toBe(true);
    });

    it("local time jumps from 01:59 to 03:00", () => {
      expect(localTime(at("2026-03-29T00:59:00Z"), "Europe/Berlin")).toEqual({ day: "sun", minutes: 60 + 59 });
      expect(localTime(at("2026-03-29T01:00:00Z"), "Europe/Berlin")).toEqual({ day: "sun", minutes: 180 });
    });

    it("office hours move by one UTC hour across the weekend", () => {
      // Friday before: 08:00 CET = 07:00Z. Monday after: 08:00 CEST = 06:00Z.
      expect(inTimeWindow(OFFICE, at("2026-03-27T07:00:00Z"))).toBe(true);
      expect(inTimeWindow(OFFICE, at("2026-03-27T06:30:00Z"))).toBe(false);
      expect(inTimeWindow(OFFICE, at("2026-03-30T06:30:00Z"))).toBe(true);
      expect(inTimeWindow(OFFICE, at("2026-03-30T05:59:00Z"))).toBe(false);
    });
  });

  // Europe/Berlin, Sunday 2026-10-25: at 01:00Z the clocks go back from 03:00 CEST to 02:00 CET,
  // so 02:00–02:59 local happens twice (00:00Z–00:59Z and 01:00Z–01:59Z).
  describe("Europe/Berlin fall back (2026-10-25)", () => {
    it("both 02:30 instants (00:30Z and 01:30Z) match a 02:00–03:00 window", () => {
      const w = tw(["sun"], "02:00", "03:00", "Europe/Berlin");
      expect(inTimeWindow(w, at("2026-10-25T02:30:00+02:00"))).toBe(true); // = 00:30Z
      expect(inTimeWindow(w, at("2026-10-25T02:30:00+01:00"))).toBe(true); // = 01:30Z
      expect(inTimeWindow(w, at("2026-10-25T00:30:00Z"))).toBe(true);
      expect(inTimeWindow(w, at("2026-10-25T01:30:00Z"))).toBe(true);
      expect(inTimeWindow(w, at("2026-10-24T23:59:00Z"))).toBe(false); // 01:59 CEST
      expect(inTimeWindow(w, at("2026-10-25T02:00:00Z"))).toBe(false); // 03:00 CET
    });

    it("the window covers two real hours that night (every minute of 00:00Z–01:59Z, none outside)", () => {
      const w = tw(["sun"], "02:00", "03:00", "Europe/Berlin");
      let inside = 0;
      for (let t = at("2026-10-24T22:00:00Z"); t < at("2026-10-25T04:00:00Z"); t += 60_000)
        if (inTimeWindow(w, t)) inside++;
      expect(inside).toBe(120);
    });

    it("local time repeats 02:xx", () => {
      expect(localTime(at("2026-10-25T00:30:00Z"), "Europe/Berlin")).toEqual({ day: "sun", minutes: 150 });
      expect(localTime(at("2026-10-25T01:30:00Z"), "Europe/Berlin")).toEqual({ day: "sun", minutes: 150 });
    });
  });

  describe("America/New_York", () => {
    const NY_OFFICE = tw(WEEKDAYS, "09:00", "17:00", "America/New_York");

    // Sunday 2026-03-08: at 07:00Z the clocks jump from 02:00 EST to 03:00 EDT.
    it("spring forward (2026-03-08): 02:00–03:00 never happens; office hours shift by one UTC hour", () => {
      const w = tw(["sun"], "02:00", "03:00", "America/New_York");
      const hits: number[] = [];
      for (let t = at("2026-03-08T00:00:00-05:00"); t < at("2026-03-09T00:00:00-04:00"); t += 5 * 60_000) {
        if (inTimeWindow(w, t)) hits.push(t);
      }
      expect(hits).toEqual([]);
      expect(localTime(at("2026-03-08T06:59:00Z"), "America/New_York")).toEqual({ day: "sun", minutes: 60 + 59 });
      expect(localTime(at("2026-03-08T07:00:00Z"), "America/New_York")).toEqual({ day: "sun", minutes: 180 });
      // Friday 2026-03-06 (EST, UTC−5): 09:00 local = 14:00Z. Monday 2026-03-09 (EDT, UTC−4): 09:00 local = 13:00Z.
      expect(inTimeWindow(NY_OFFICE, at("2026-03-06T13:30:00Z"))).toBe(false);
      expect(inTimeWindow(NY_OFFICE, at("2026-03-06T14:00:00Z"))).toBe(true);
      expect(inTimeWindow(NY_OFFICE, at("2026-03-09T13:00:00Z"))).toBe(true);
      expect(inTimeWindow(NY_OFFICE, at("2026-03-09T12:59:00Z"))).toBe(false);
      expect(inTimeWindow(NY_OFFICE, at("2026-03-09T21:00:00Z"))).toBe(false); // 17:00 EDT
    });

    // Sunday 2026-11-01: at 06:00Z the clocks go back from 02:00 EDT to 01:00 EST.
    it("fall back (2026-11-01): both 01:30 instants match a 01:00–02:00 window", () => {
      const w = tw(["sun"], "01:00", "02:00", "America/New_York");
      expect(inTimeWindow(w, at("2026-11-01T01:30:00-04:00"))).toBe(true); // = 05:30Z
      expect(inTimeWindow(w, at("2026-11-01T01:30:00-05:00"))).toBe(true); // = 06:30Z
      expect(inTimeWindow(w, at("2026-11-01T04:59:00Z"))).toBe(false); // 00:59 EDT
      expect(inTimeWindow(w, at("2026-11-01T07:00:00Z"))).toBe(false); // 02:00 EST
      // Monday 2026-11-02 (EST): 09:00 local = 14:00Z.
      expect(inTimeWindow(NY_OFFICE, at("2026-11-02T13:59:00Z"))).toBe(false);
      expect(inTimeWindow(NY_OFFICE, at("2026-11-02T14:00:00Z"))).toBe(true);
    });
  });
});

describe("windows spanning midnight (belong to the start's day)", () => {
  const FRI_NIGHT = tw(["fri"], "22:00", "02:00", "UTC");

  it("Fri 22:00–02:00 holds Fri 22:00, Fri 23:00 and Sat 01:00", () => {
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-09T22:00:00Z"))).toBe(true);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-09T23:00:00Z"))).toBe(true);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-10T00:00:00Z"))).toBe(true);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-10T01:00:00Z"))).toBe(true);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-10T01:59:00Z"))).toBe(true);
  });

  it("but not Fri 01:00 (Thursday night's), Fri 21:59, Sat 02:00, Sat 23:00 or Sun 01:00", () => {
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-09T01:00:00Z"))).toBe(false);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-09T21:59:00Z"))).toBe(false);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-10T02:00:00Z"))).toBe(false);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-10T23:00:00Z"))).toBe(false);
    expect(inTimeWindow(FRI_NIGHT, at("2026-01-11T01:00:00Z"))).toBe(false);
  });

  it("Sunday night spills into Monday morning (the week wraps)", () => {
    const sunNight = tw(["sun"], "23:00", "01:00", "UTC");
    expect(inTimeWindow(sunNight, at("2026-01-11T23:30:00Z"))).toBe(true); // Sun
    expect(inTimeWindow(sunNight, at("2026-01-12T00:30:00Z"))).toBe(true); // Mon
    expect(inTimeWindow(sunNight, at("2026-01-12T23:30:00Z"))).toBe(false); // Mon night
  });

  it("in a zone: Fri 22:00–02:00 Europe/Berlin in winter", () => {
    const w = tw(["fri"], "22:00", "02:00", "Europe/Berlin");
    expect(inTimeWindow(w, at("2026-01-09T21:00:00Z"))).toBe(true); // Fri 22:00 local
    expect(inTimeWindow(w, at("2026-01-10T00:59:00Z"))).toBe(true); // Sat 01:59 local
    expect(inTimeWindow(w, at("2026-01-10T01:00:00Z"))).toBe(false); // Sat 02:00 local
    expect(inTimeWindow(w, at("2026-01-09T20:59:00Z"))).toBe(false); // Fri 21:59 local
  });

  it("a night window across the spring-forward jump ends at 03:00 CEST", () => {
    const w = tw(["sat"], "22:00", "03:00", "Europe/Berlin");
    expect(inTimeWindow(w, at("2026-03-29T00:59:00Z"))).toBe(true); // Sun 01:59 CET
    expect(inTimeWindow(w, at("2026-03-29T01:00:00Z"))).toBe(false); // Sun 03:00 CEST
  });
});

describe('"24:00" end and full days', () => {
  it("Mon 20:00–24:00 holds 23:59 but not Tuesday 00:00", () => {
    const w = tw(["mon"], "20:00", "24:00", "UTC");
    expect(inTimeWindow(w, at("2026-01-05T20:00:00Z"))).toBe(true);
    expect(inTimeWindow(w, at("2026-01-05T23:59:59Z"))).toBe(true);
    expect(inTimeWindow(w, at("2026-01-06T00:00:00Z"))).toBe(false);
    expect(inTimeWindow(w, at("2026-01-05T19:59:00Z"))).toBe(false);
  });

  it("00:00–24:00 is the whole day and only that day", () => {
    const w = tw(["wed"], "00:00", "24:00", "Europe/Berlin");
    expect(inTimeWindow(w, at("2026-01-07T00:00:00+01:00"))).toBe(true);
    expect(inTimeWindow(w, at("2026-01-07T23:59:59+01:00"))).toBe(true);
    expect(inTimeWindow(w, at("2026-01-06T23:59:59+01:00"))).toBe(false);
    expect(inTimeWindow(w, at("2026-01-08T00:00:00+01:00"))).toBe(false);
  });
});

describe("a +05:45 zone (Asia/Kathmandu)", () => {
  const w = tw(["mon"], "08:00", "09:00", "Asia/Kathmandu");
  it("08:00 local is 02:15Z", () => {
    // 2026-06-01 is a Monday; Nepal has no DST.
    expect(inTimeWindow(w, at("2026-06-01T02:14:59Z"))).toBe(false);
    expect(inTimeWindow(w, at("2026-06-01T02:15:00Z"))).toBe(true);
    expect(inTimeWindow(w, at("2026-06-01T03:14:59Z"))).toBe(true);
    expect(inTimeWindow(w, at("2026-06-01T03:15:00Z"))).toBe(false);
    expect(inTimeWindow(w, at("2026-06-01T08:30:00+05:45"))).toBe(true);
  });
});

describe("matchTimeWindows", () => {
  const morning = tw(WEEKDAYS, "08:00", "12:00", "UTC");
  const afternoon = tw(WEEKDAYS, "13:00", "17:00", "UTC");

  it("returns the first window holding the instant, or null", () => {
    expect(matchTimeWindows([morning, afternoon], at("2026-01-07T09:00:00Z"))).toBe(morning);
    expect(matchTimeWindows([morning, afternoon], at("2026-01-07T14:00:00Z"))).toBe(afternoon);
    expect(matchTimeWindows([morning, afternoon], at("2026-01-07T12:30:00Z"))).toBeNull();
    const allDay = tw(WEEKDAYS, "00:00", "24:00", "UTC");
    expect(matchTimeWindows([allDay, morning], at("2026-01-07T09:00:00Z"))).toBe(allDay);
  });

  it("no windows → null", () => {
    expect(matchTimeWindows([], at("2026-01-07T09:00:00Z"))).toBeNull();
  });
});

describe("describeTimeWindow", () => {
  it("Mon–Fri as a range", () => {
    expect(describeTimeWindow(OFFICE)).toBe("Mon–Fri 08:00–18:00 Europe/Berlin");
  });

  it("orders days, collapses runs of three or more, lists pairs and singles", () => {
    expect(describeTimeWindow(tw(["fri", "mon", "wed"], "08:00", "18:00", "UTC"))).toBe(
      "Mon, Wed, Fri 08:00–18:00 UTC",
    );
    expect(describeTimeWindow(tw(["sat", "sun"], "10:00", "14:00", "UTC"))).toBe("Sat, Sun 10:00–14:00 UTC");
    expect(describeTimeWindow(tw(["mon", "tue", "thu", "fri", "sat"], "08:00", "18:00", "UTC"))).toBe(
      "Mon, Tue, Thu–Sat 08:00–18:00 UTC",
    );
    expect(describeTimeWindow(tw(["sun", "sat", "fri", "thu", "wed", "tue", "mon"], "00:00", "24:00", "UTC"))).toBe(
      "Mon–Sun 00:00–24:00 UTC",
    );
    expect(describeTimeWindow(tw(["fri", "fri"], "22:00", "02:00", "Asia/Kathmandu"))).toBe(
      "Fri 22:00–02:00 Asia/Kathmandu",
    );
  });
});

describe("timeWindowSchema", () => {
  const valid = { days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00", timeZone: "Europe/Berlin" };
  const issuePaths = (v: unknown) => {
    const r = timeWindowSchema.safeParse(v);
    return r.success ? null : r.error.issues.map((i) => i.path.join("."));
  };

  it("accepts a plain window, a 24:00 end, a midnight-spanning one and offset zones", () => {
    expect(issuePaths(valid)).toBeNull();
    expect(issuePaths({ ...valid, end: "24:00" })).toBeNull();
    expect(issuePaths({ ...valid, start: "22:00", end: "02:00" })).toBeNull();
    expect(issuePaths({ ...valid, start: "00:00", end: "23:59" })).toBeNull();
    expect(issuePaths({ ...valid, timeZone: "Asia/Kathmandu" })).toBeNull();
    expect(issuePaths({ ...valid, timeZone: "UTC" })).toBeNull();
  });

  it("rejects unknown time zones", () => {
    for (const timeZone of ["Mars/Olympus", "Europe/Berlinn", "", "+01:00", "CET+1"]) {
      expect(issuePaths({ ...valid, timeZone }), timeZone).toEqual(["timeZone"]);
    }
  });

  it("rejects malformed HH:MM", () => {
    for (const bad of ["8:00", "08:0", "0800", "08:60", "25:00", "24:01", "08:00:00", " 08:00", "ab:cd", ""]) {
      expect(issuePaths({ ...valid, start: bad }), `start ${bad}`).toEqual(["start"]);
      expect(issuePaths({ ...valid, end: bad }), `end ${bad}`).toEqual(["end"]);
    }
  });

  // Regression (was a bug): "24:00" is accepted as a start (the regex is shared with `end`) although the
  // message says 00:00–23:59; "Mon 24:00–09:00" then silently means Tuesday 00:00–09:00.
  it('rejects "24:00" as a start', () => {
    expect(issuePaths({ ...valid, start: "24:00", end: "09:00" })).toEqual(["start"]);
  });

  it("rejects start == end", () => {
    expect(issuePaths({ ...valid, start: "08:00", end: "08:00" })).toEqual(["end"]);
    expect(issuePaths({ ...valid, start: "00:00", end: "00:00" })).toEqual(["end"]);
  });

  it("rejects empty, unknown or too many days", () => {
    expect(issuePaths({ ...valid, days: [] })).toEqual(["days"]);
    expect(issuePaths({ ...valid, days: ["monday"] })).toEqual(["days.0"]);
    expect(issuePaths({ ...valid, days: ["Mon"] })).toEqual(["days.0"]);
    expect(issuePaths({ ...valid, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "mon"] })).toEqual(["days"]);
  });

  it("rejects unknown keys and missing fields", () => {
    expect(issuePaths({ ...valid, tz: "UTC" })).not.toBeNull();
    expect(issuePaths({ days: ["mon"], start: "08:00", end: "18:00" })).toEqual(["timeZone"]);
  });
});
