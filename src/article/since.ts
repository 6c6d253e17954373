// --since: how far back a feed is read. Its own module, so the CLI can parse the flag without
// loading the feed reader (and its XML parser).
/** "6h", "90m", "2d", "1w" -> milliseconds; null when it is not a duration. */
export function parseDuration(value: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$/i.exec(value);
  if (!m) return null;
  const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2]!.toLowerCase() as "m"];
  return Number(m[1]) * unit;
}

/**
 * --since: a duration back from `now` ("6h", "2d"), a date ("2024-05-16": from midnight, local
 * time) or a date-time ("2024-05-16T08:00:00+02:00"). Throws RangeError with the accepted forms.
 */
export function parseSince(value: string, now = Date.now()): Date {
  const ms = parseDuration(value);
  if (ms !== null) return new Date(now - ms);
  const day = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(value);
  if (day) {
    const date = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (date.getMonth() === Number(day[2]) - 1) return date;
  } else if (/^\s*\d{4}-\d{2}-\d{2}T/.test(value)) {
    const time = Date.parse(value.trim());
    if (Number.isFinite(time)) return new Date(time);
  }
  throw new RangeError(`"${value}" is neither a duration (30m, 6h, 2d, 1w) nor a date (2024-05-16, 2024-05-16T08:00:00+02:00)`);
}
