#!/usr/bin/env python3
"""Brute-force reference for floe's cron schedules (src/triggers/cron.h).

Independent of floe's code: its own cron parser, Python's zoneinfo for the
zone, and a walk over every UTC minute (and the matching seconds in it)
instead of a field-by-field search.

The DST rule it applies is the one cron.h documents (cron-utils' behaviour):
  - a wall time that does not exist (spring-forward gap) never fires: walking
    UTC minutes never produces it;
  - a wall time that occurs twice fires at its first occurrence; at its second
    only when the schedule matches again less than two hours later.

Input: a file, one case per line: `zone|with_seconds(0/1)|expression|start|end`
with start and end in Unix seconds (UTC). Output: one line per case, the
firing instants in [start, end) as Unix seconds, space-separated.
"""

import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
NICKNAMES = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}


def parse_field(token, lo, hi, names=None):
    def value(s):
        if names and s.upper() in names:
            return names.index(s.upper()) + (1 if names is MONTHS else 0)
        v = int(s)
        assert lo <= v <= hi, (token, v)
        return v

    values = set()
    for item in token.split(","):
        base, _, step = item.partition("/")
        step = int(step) if step else 1
        if base == "*":
            a, b = lo, hi
        elif "-" in base:
            a, b = (value(x) for x in base.split("-"))
        else:
            a = value(base)
            b = hi if step != 1 or "/" in item else a
        values.update(range(a, b + 1, step))
    return values


class Cron:
    def __init__(self, text, with_seconds):
        text = NICKNAMES.get(text.lower(), text)
        if text in NICKNAMES.values() and with_seconds and len(text.split()) == 5:
            text = "0 " + text
        fields = text.split()
        if not with_seconds:
            fields = ["0"] + fields
        assert len(fields) == 6, text
        self.seconds = sorted(parse_field(fields[0], 0, 59))
        self.minutes = parse_field(fields[1], 0, 59)
        self.hours = parse_field(fields[2], 0, 23)
        self.doms = parse_field(fields[3], 1, 31)
        self.months = parse_field(fields[4], 1, 12, MONTHS)
        self.dows = {d % 7 for d in parse_field(fields[5], 0, 7, DAYS)}
        self.dom_star = fields[3] == "*"
        self.dow_star = fields[5] == "*"
        self._days = {}

    def day_matches(self, day):  # day: days since 1970-01-01 (wall clock)
        hit = self._days.get(day)
        if hit is None:
            d = date.fromordinal(719163 + day)
            dow = (day + 4) % 7  # 1970-01-01 was a Thursday; Sunday = 0
            dom_ok, dow_ok = d.day in self.doms, dow in self.dows
            if not self.dom_star and not self.dow_star:
                day_ok = dom_ok or dow_ok
            else:
                day_ok = dom_ok and dow_ok
            hit = self._days[day] = d.month in self.months and day_ok
        return hit

    def minute_matches(self, wall):  # wall: Unix-style seconds of a wall-clock minute
        return ((wall // 60) % 60 in self.minutes and (wall // 3600) % 24 in self.hours
                and self.day_matches(wall // 86400))


def firings(zone, cron, start, end):
    tz = ZoneInfo(zone)
    lead = 86400  # start early so repeated wall times near `start` are known
    first = (start - lead) // 60 * 60
    last = end + 3 * 3600

    offsets = {}

    def offset(u):  # zone offsets here change on quarter hours
        q = u // 900
        off = offsets.get(q)
        if off is None:
            off = offsets[q] = int(datetime.fromtimestamp(q * 900, tz).utcoffset().total_seconds())
        return off

    def next_raw(after):  # first matching instant > after, any occurrence
        u = after // 60 * 60
        while u < after + 7200 + 60:
            wall = u + offset(u)
            if cron.minute_matches(wall):
                for s in cron.seconds:
                    if u + s > after:
                        return u + s
            u += 60
        return None

    out = []
    max_wall = None
    u = first
    while u < last:
        wall = u + offset(u)
        repeated = max_wall is not None and wall <= max_wall
        if cron.minute_matches(wall):
            for s in cron.seconds:
                t = u + s
                if t < start or t >= end:
                    continue
                if repeated:
                    n = next_raw(t)
                    if n is None or n - t >= 7200:
                        continue
                out.append(t)
        if max_wall is None or wall > max_wall:
            max_wall = wall
        u += 60
    return out


def main():
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            zone, with_seconds, text, start, end = line.split("|")
            cron = Cron(text, with_seconds == "1")
            print(" ".join(str(t) for t in firings(zone, cron, int(start), int(end))), flush=True)


if __name__ == "__main__":
    main()
