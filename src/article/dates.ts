// Publication dates in English and German -> ISO 8601 ("2024-05-16T13:01" or "2024-05-16").
import { ISO_DATE } from "../core/dates.ts";

const MONTHS: Record<string, number> = {
  january: 1, jan: 1, januar: 1, "jänner": 1, jaenner: 1, "jän": 1,
  february: 2, feb: 2, februar: 2, "feber": 2,
  march: 3, mar: 3, "märz": 3, maerz: 3, "mär": 3, mrz: 3,
  april: 4, apr: 4,
  may: 5, mai: 5,
  june: 6, jun: 6, juni: 6,
  july: 7, jul: 7, juli: 7,
  august: 8, aug: 8,
  september: 9, sep: 9, sept: 9,
  october: 10, oct: 10, oktober: 10, okt: 10,
  november: 11, nov: 11,
  december: 12, dec: 12, dezember: 12, dez: 12,
};

const WEEKDAYS = new Set([
  "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
  "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
  "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonnabend", "sonntag",
  "mo", "di", "mi", "do", "fr", "sa", "so",
]);

// Words around a date that carry no information for us.
const FILLER = new Set(["on", "at", "am", "um", "the", "of", "den", "uhr", "h"]);

// Time zones as agencies and sites write them; US zones follow US daylight saving time.
const FIXED_ZONES: Record<string, string> = {
  utc: "Z", gmt: "Z", z: "Z", cet: "+01:00", mez: "+01:00", cest: "+02:00", mesz: "+02:00", bst: "+01:00",
  est: "-05:00", edt: "-04:00", cst: "-06:00", cdt: "-05:00", mst: "-07:00", mdt: "-06:00", pst: "-08:00", pdt: "-07:00",
};
const US_ZONES: Record<string, [string, string]> = {
  et: ["-05:00", "-04:00"], ct: ["-06:00", "-05:00"], mt: ["-07:00", "-06:00"], pt: ["-08:00", "-07:00"],
};

/** Whether US daylight saving time is in force (second Sunday of March to first Sunday of November). */
function usDaylightTime(y: number, m: number, d: number): boolean {
  const sunday = (month: number, nth: number) => {
    const first = new Date(Date.UTC(y, month - 1, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + 7 * (nth - 1);
  };
  if (m < 3 || m > 11) return false;
  if (m > 3 && m < 11) return true;
  return m === 3 ? d >= sunday(3, 2) : d < sunday(11, 1);
}

/** "+02" / "+0200" / "+02:00" -> "+02:00"; "Z" stays. */
function normaliseOffset(raw: string): string {
  if (/^z$/i.test(raw)) return "Z";
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(raw)!;
  return `${m[1]}${m[2]}:${m[3] ?? "00"}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const ISO = ISO_DATE;

/** An ISO 8601 date string that is already well formed, normalised ("2024-05-16 13:01" -> "2024-05-16T13:01"). */
function parseIso(raw: string): string | null {
  const m = ISO.exec(raw);
  if (!m) return null;
  const [, y, mo, d, hh, mm] = m;
  if (!validDate(+y!, +mo!, +d!)) return null;
  if (hh !== undefined && (+hh > 23 || +mm! > 59)) return null;
  const zone = m[7];
  const local = zone ? raw.slice(0, raw.length - zone.length).trimEnd() : raw;
  return local.replace(" ", "T") + (zone ? normaliseOffset(zone) : "");
}

/**
 * Parses the time part ("13:01", "13.01", "1:01 pm", "15:57:48.22", "1:01 PM ET", "14:44 +02") of the date
 * y-m-d; "" -> "" (no time); null when it is not a time. A zone becomes an offset.
 */
function parseTime(rest: string, y: number, mo: number, d: number): string | null {
  const words = rest.split(" ").filter((w) => w && !FILLER.has(w));
  if (words.length === 0) return "";
  let offset = "";
  const last = words[words.length - 1]!.replace(/^\(|\)$/g, "");
  if (words.length > 1 || /^[+-]/.test(last)) {
    if (FIXED_ZONES[last]) offset = FIXED_ZONES[last]!;
    else if (US_ZONES[last]) offset = US_ZONES[last]![usDaylightTime(y, mo, d) ? 1 : 0];
    else if (/^[+-]\d{2}(?::?\d{2})?$/.test(last)) offset = normaliseOffset(last);
    if (offset) words.pop();
  }
  const joined = words.join(" ");
  const m = /^(\d{1,2})(?:[:.](\d{2}))?(?:[:.](\d{2})(?:[.,]\d+)?)?\s*(am|pm|a\.m\.|p\.m\.)?$/.exec(joined);
  if (!m) return null;
  let hour = +m[1]!;
  const minute = m[2] === undefined ? 0 : +m[2];
  const ampm = m[4]?.replace(/\./g, "");
  if (m[2] === undefined && !ampm) return null; // a lone number is not a time
  if (ampm) {
    if (hour < 1 || hour > 12) return null;
    if (ampm === "pm" && hour !== 12) hour += 12;
    if (ampm === "am" && hour === 12) hour = 0;
  }
  if (hour > 23 || minute > 59) return null;
  const seconds = m[3] === undefined ? "" : `:${m[3]}`;
  return `T${pad(hour)}:${pad(minute)}${seconds}${offset}`;
}

/** Lowercases, drops weekdays, commas, ordinal suffixes and filler words; keeps dots of numeric dates. */
function clean(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[,|]/g, " ")
    .replace(/\b(\d{1,2})(st|nd|rd|th)\b/g, "$1")
    .split(/\s+/)
    .filter((w) => w && !WEEKDAYS.has(w.replace(/\.$/, "")))
    .join(" ")
    .trim();
}

/**
 * A date or date-time in English or German -> ISO 8601, or null when it is not one.
 * "Thursday, May 16th 2024, 13:01" -> "2024-05-16T13:01"; "Donnerstag, 16. Mai 2024" -> "2024-05-16".
 */
export function parseDate(raw: string): string | null {
  const trimmed = raw.trim();
  const iso = parseIso(trimmed);
  if (iso) return iso;

  const s = clean(trimmed);
  let y: number, mo: number, d: number, rest: string;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(.*)$/.exec(s))) {
    // 16.05.2024
    [d, mo, y, rest] = [+m[1]!, +m[2]!, +m[3]!, m[4]!];
  } else if ((m = /^(\d{1,2})-([a-z]{3,9})-(\d{4})(.*)$/.exec(s)) && MONTHS[m[2]!]) {
    // 26-FEB-1987 15:57:48.22 (agency dateline)
    [d, mo, y, rest] = [+m[1]!, MONTHS[m[2]!]!, +m[3]!, m[4]!];
  } else if ((m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(.*)$/.exec(s))) {
    [y, mo, d, rest] = [+m[1]!, +m[2]!, +m[3]!, m[4]!];
  } else if ((m = /^(\d{1,2})\.?\s+([\p{L}]+)\.?\s+(\d{4})(.*)$/u.exec(s)) && MONTHS[m[2]!]) {
    // 16. Mai 2024, 16 May 2024
    [d, mo, y, rest] = [+m[1]!, MONTHS[m[2]!]!, +m[3]!, m[4]!];
  } else if ((m = /^([\p{L}]+)\.?\s+(\d{1,2})\.?\s+(\d{4})(.*)$/u.exec(s)) && MONTHS[m[1]!]) {
    // May 16 2024
    [mo, d, y, rest] = [MONTHS[m[1]!]!, +m[2]!, +m[3]!, m[4]!];
  } else {
    return null;
  }
  if (!validDate(y, mo, d)) return null;
  const time = parseTime(rest.trim(), y, mo, d);
  if (time === null) return null;
  return `${y}-${pad(mo)}-${pad(d)}${time}`;
}

const LABEL =
  /^(published|first published|posted|date|updated|last updated|publiziert|veröffentlicht|erstellt|datum|aktualisiert|zuletzt aktualisiert)(?:\s*:\s*|\s+(?:am|on|at)\s+)(.+)$/i;

/** Relative dates a page shows instead of a date: kept raw (with a warning), never taken for text. */
const RELATIVE =
  /^(?:vor\s+(?:\d+|einer?|wenigen)\s+(?:sekunden?|minuten?|stunden?|tagen?|wochen?)|(?:\d+|an?|a few)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago|just now|gerade eben|(?:heute|gestern|today|yesterday)(?:,?\s+(?:um\s+|at\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:uhr|am|pm))?)?)$/i;

/** Whether a date value is ISO 8601 (a date, or a date-time with or without an offset). */
export function isIsoDate(value: string): boolean {
  return ISO.test(value);
}

export interface DateLine {
  /** ISO date when parseable, else the raw date text. */
  value: string;
  /** False for "Updated:" lines, which only count when there is no publication date. */
  isPublication: boolean;
}

/** Recognises a header line that carries a date ("Published: ...", "Publiziert: ...", or a bare date). */
export function dateLine(line: string): DateLine | null {
  const text = line.trim();
  if (text.length === 0 || text.length > 80) return null;
  const labelled = LABEL.exec(text);
  if (labelled) {
    const raw = labelled[2]!.trim();
    const isPublication = !/updated|aktualisiert/i.test(labelled[1]!);
    const iso = parseDate(raw);
    if (iso) return { value: iso, isPublication };
    // Unparseable but still a date line ("Published: yesterday"), unless it reads like a sentence.
    if (raw.length <= 40 && !/[.!?]$/.test(raw)) return { value: raw, isPublication };
    return null;
  }
  const bare = parseDate(text);
  if (bare) return { value: bare, isPublication: true };
  if (RELATIVE.test(text)) return { value: text, isPublication: true };
  return null;
}

/** A date value from metadata (front matter, JSONL, HTML meta): ISO when parseable, else the raw text, else null. */
export function normaliseDate(value: unknown): string | null {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().replace(/\.000Z$/, "Z");
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") return null;
  const raw = value.trim().replace(/\s+/g, " ");
  if (!raw) return null;
  return parseDate(raw) ?? raw;
}
