// Published dates: when they can be ordered, and how they are shown.

export interface PublishedDate {
  /** Milliseconds for ordering, or null when the text is not an ISO 8601 date. */
  time: number | null;
  /** The calendar day as written (year, month 1-12, day), for display. */
  day: { year: number; month: number; day: number } | null;
  /** The trimmed original text (shown as is when it is not a date). */
  raw: string;
}

/** An ISO 8601 date or date-time: year, month, day, hours, minutes, seconds, zone ("Z", "+02", "+02:00", "+0200"). */
export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Reads an ISO 8601 date ("2024-05-16") or date-time ("2024-05-16T10:30:00+02:00"). The day shown
 * is the one written in the string (the reporter's local day), not the day in the reader's zone.
 * A date-time without an offset is taken as UTC so ordering never depends on the machine.
 */
export function parsePublished(value: string | null): PublishedDate | null {
  if (value === null) return null;
  const raw = value.trim();
  if (raw === "") return null;
  const m = ISO_DATE.exec(raw);
  if (!m) return { time: null, day: null, raw };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return { time: null, day: null, raw }; // "2024-02-31": not a date, shown as written
  }
  let time = check.getTime();
  if (m[4] !== undefined) {
    const hours = Number(m[4]);
    const minutes = Number(m[5]);
    const seconds = m[6] === undefined ? 0 : Number(m[6]);
    if (hours > 23 || minutes > 59 || seconds > 59) return { time: null, day: null, raw };
    time += ((hours * 60 + minutes) * 60 + seconds) * 1000;
    const zone = m[7];
    if (zone !== undefined && zone.toUpperCase() !== "Z") {
      const sign = zone.startsWith("-") ? -1 : 1;
      const digits = zone.slice(1).replace(":", "").padEnd(4, "0");
      time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
  }
  return { time, day: { year, month, day }, raw };
}

/**
 * The locale used for dates. A bare "en" becomes "en-GB" so English reads "16 May 2024"
 * (a newsroom style) rather than the US order; any other tag is used as given.
 */
export function dateLocale(lang: string): string {
  return lang.toLowerCase() === "en" ? "en-GB" : lang;
}

// An Intl formatter is costly to build (ICU data): one per locale, kept.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(lang: string): Intl.DateTimeFormat {
  const locale = dateLocale(lang);
  let formatter = formatters.get(locale);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    formatters.set(locale, formatter);
  }
  return formatter;
}

/** "16. Mai 2024" (de), "16 May 2024" (en); raw text when the value is not a date. */
export function formatPublished(date: PublishedDate, lang: string): string {
  if (date.day === null) return date.raw;
  const { year, month, day } = date.day;
  return formatterFor(lang).format(new Date(Date.UTC(year, month - 1, day)));
}
