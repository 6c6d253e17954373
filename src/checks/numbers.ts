// Numbers in running text, normalised so that "1,000", "1.000", "1'000", "twelve"/"zwölf",
// "fifth"/"fünfte", "13:01"/"13.01 Uhr" and "1 p.m."/"13 Uhr" compare equal.
//
// strictNumbers: the numbers a text clearly states (what must survive a translation).
// lenientNumbers: every value a text could be read as (what a translation may have written).

import { letterAt } from "../core/text.ts";

export interface NumberMention {
  /** Canonical value: "1000", "3.5", "13:01". */
  value: string;
  /** As written, for messages. */
  text: string;
  index: number;
}

const EN_UNITS: Record<string, number> = {
  two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, dozen: 12,
};
const EN_TENS: Record<string, number> = {
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const EN_ORDINALS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  eleventh: 11, twelfth: 12, twentieth: 20, thirtieth: 30,
};
const DE_UNITS: Record<string, number> = {
  zwei: 2, drei: 3, vier: 4, "fünf": 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, elf: 11, "zwölf": 12,
  dreizehn: 13, vierzehn: 14, "fünfzehn": 15, sechzehn: 16, siebzehn: 17, achtzehn: 18, neunzehn: 19, dutzend: 12,
};
const DE_TENS: Record<string, number> = {
  zwanzig: 20, "dreißig": 30, dreissig: 30, vierzig: 40, "fünfzig": 50, sechzig: 60, siebzig: 70, achtzig: 80, neunzig: 90,
};
const DE_UNIT_PREFIX: Record<string, number> = {
  ein: 1, zwei: 2, drei: 3, vier: 4, "fünf": 5, sechs: 6, sieben: 7, acht: 8, neun: 9,
};
/** German ordinal stems; an ending e/er/en/em/es follows ("fünfte", "ersten"). */
const DE_ORDINAL_STEMS: Record<string, number> = {
  erst: 1, zweit: 2, dritt: 3, viert: 4, "fünft": 5, sechst: 6, siebt: 7, siebent: 7, neunt: 9, zehnt: 10,
  elft: 11, "zwölft": 12, zwanzigst: 20,
};
/** Read as numbers only when looking for what a translation may have written (too ambiguous as evidence). */
const LENIENT_ONLY: Record<string, number> = {
  one: 1, a: 1, an: 1, single: 1, once: 1, ein: 1, eine: 1, einer: 1, einem: 1, einen: 1, eines: 1, eins: 1,
  einzige: 1, einzigen: 1, einziger: 1, erstmals: 1, zuerst: 1, "zunächst": 1, initially: 1, originally: 1,
  both: 2, twice: 2, pair: 2, double: 2, beide: 2, beiden: 2, beider: 2, beides: 2, zweimal: 2, paar: 2, doppelt: 2,
  achte: 8, achten: 8, achter: 8, achtes: 8, achtem: 8, thrice: 3, dreimal: 3,
};
const MONTHS: Record<string, number> = {
  january: 1, januar: 1, "jänner": 1, february: 2, februar: 2, march: 3, "märz": 3, april: 4, may: 5, mai: 5,
  june: 6, juni: 6, july: 7, juli: 7, august: 8, september: 9, october: 10, oktober: 10, november: 11, december: 12, dezember: 12,
};

const LIST = Symbol("list");

/** "007" -> "7", "3.50" -> "3.5", "5.00" -> "5". */
function canonical(intPart: string, frac = ""): string {
  const i = intPart.replace(/^0+(?=\d)/, "");
  const f = frac.replace(/0+$/, "");
  return f ? `${i}.${f}` : i;
}

function time(h: number, m: number): string | null {
  if (h > 24 || m > 59) return null;
  return `${h}:${String(m).padStart(2, "0")}`;
}

/** Interpretations of a numeral such as "1,000", "3,5", "23'400", "1.250,50". First = the reading for `lang`. */
function readNumeral(raw: string, lang: string): string[] {
  const s = raw.replace(/['’\u00a0\u202f\u2009]/g, "\u0000");
  const groupsAfter = (sep: string) => s.split(sep).slice(1);
  const allThree = (parts: string[]) => parts.every((p) => p.length === 3);
  const head = (sep: string) => s.split(sep)[0]!;
  const strip = (x: string) => x.replace(/\u0000/g, "");
  if (s.includes("\u0000")) {
    // Apostrophe / narrow space thousands: "23'400", "1'250.50".
    const t = strip(s);
    if (t.includes(".") && !t.includes(",")) return [canonical(t.split(".")[0]!, t.split(".")[1])];
    if (t.includes(",")) return [canonical(t.split(",")[0]!, t.split(",")[1])];
    return [canonical(t)];
  }
  const hasDot = s.includes(".");
  const hasComma = s.includes(",");
  if (hasDot && hasComma) {
    const decimal = s.lastIndexOf(".") > s.lastIndexOf(",") ? "." : ",";
    const thousands = decimal === "." ? "," : ".";
    const [i, f] = s.split(decimal) as [string, string];
    return [canonical(i.split(thousands).join(""), f)];
  }
  const sep = hasDot ? "." : hasComma ? "," : "";
  if (!sep) return [canonical(s)];
  const parts = groupsAfter(sep);
  const asThousands = allThree(parts) && head(sep).length <= 3 ? canonical(s.split(sep).join("")) : null;
  const asDecimal = parts.length === 1 ? canonical(head(sep), parts[0]) : null;
  // English: comma = thousands, point = decimal; German and most others: the other way round.
  const english = lang === "en";
  const thousandsFirst = (sep === "," && english) || (sep === "." && !english);
  const ordered = thousandsFirst ? [asThousands, asDecimal] : [asDecimal, asThousands];
  const result = ordered.filter((x): x is string => x !== null);
  if (result.length === 0) {
    // "1.2.3" or "3,5,7": a list of numbers, not one.
    const list: string[] & { [LIST]?: true } = s.split(sep).map((p) => canonical(p));
    list[LIST] = true;
    return list;
  }
  return result;
}

interface Found {
  values: string[];
  text: string;
  index: number;
}

// Everything scan() needs is built here, once: the patterns (exec loops on these module-level
// expressions, no per-call copies) and the number-word tables.

const RE_TIME_MARKED = /(?<![\d.,:])(\d{1,2})[:.](\d{2})(?:\s*(a\.m\.|p\.m\.|am\b|pm\b)|\s*(?:Uhr|h)\b)/giu;
const RE_TIME_COLON = /(?<![\d.,:])(\d{1,2}):(\d{2})(?![\d:])/gu;
const RE_HOUR = /(?<![\d.,:])(\d{1,2})\s*(?:(a\.m\.|p\.m\.)|(am|pm)\b|(Uhr)\b)/giu;
const RE_ISO_DATE = /(?<![\d.,])(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/gu;
const RE_DOT_DATE = /(?<![\d.,])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}(?!\d))?/gu;
const RE_SLASH_DATE = /(?<![\d.,/])(\d{1,2})\/(\d{1,2})\/(\d{2,4})(?![\d/])/gu;
const RE_SPACE_THOUSANDS = /(?<![\d.,'’])(\d{1,3})((?: \d{3})+)(?![\d.,'’])/gu;
const RE_NUMERAL = /\d+(?:[.,'’\u00a0\u202f\u2009]\d+)*(?:st|nd|rd|th)?/gu;
const RE_ORDINAL_SUFFIX = /(st|nd|rd|th)$/;
const RE_YEAR = /^(19|20)\d\d$/;
const RE_HOUR_MINUTE = /^(\d{1,2})[.,](\d{2})$/;
const RE_EN_TENS_UNITS = /\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ](one|two|three|four|five|six|seven|eight|nine)\b/giu;
const RE_DE_COMPOUND = /^(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun)und(zwanzig|dreißig|dreissig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig)(ste[nrms]?)?$/u;
const RE_UPPER_START = /^\p{Lu}/u;

const toMap = (o: Record<string, number>) => new Map(Object.entries(o));
const EN_WORDS = new Map([...Object.entries(EN_ORDINALS), ...Object.entries(EN_TENS), ...Object.entries(EN_UNITS)]); // first table wins, as in `??`
const DE_WORDS = new Map([...Object.entries(DE_TENS), ...Object.entries(DE_UNITS)]);
const DE_STEMS = toMap(DE_ORDINAL_STEMS);
const LENIENT_WORDS = toMap(LENIENT_ONLY);
const MONTH_WORDS = toMap(MONTHS);
const UNIT_PREFIX = toMap(DE_UNIT_PREFIX);
/**
 * German compounds that begin with a number ("Zwölfpunkteplan"): the units of 4+ letters, then the
 * tens; of the prefixes a word starts with, the last in this order counts ("vierzig..." is 40).
 * Grouped by first letter.
 */
const PREFIXES = new Map<string, [string, number][]>();
for (const [w, n] of [...Object.entries(DE_UNITS).filter(([w]) => w.length >= 4), ...Object.entries(DE_TENS)]) {
  const list = PREFIXES.get(w[0]!) ?? [];
  list.push([w, n]);
  PREFIXES.set(w[0]!, list);
}
/** Lower-case first letters of every number word, month and prefix above (all ASCII). */
const FIRST_LETTERS = new Uint8Array(128);
for (const key of [
  ...EN_WORDS.keys(), ...DE_WORDS.keys(), ...DE_STEMS.keys(), ...LENIENT_WORDS.keys(), ...MONTH_WORDS.keys(),
  ...PREFIXES.keys(), ...UNIT_PREFIX.keys(),
]) {
  const c = key.charCodeAt(0);
  if (c >= 128) throw new Error(`numbers.ts: number word "${key}" must begin with an ASCII letter`);
  FIRST_LETTERS[c] = 1;
}

/** `text` with the ranges [start, start + length) (pairs, ascending, disjoint) turned into spaces. */
function blankRanges(text: string, ranges: number[]): string {
  let out = "";
  let at = 0;
  for (let k = 0; k < ranges.length; k += 2) {
    const start = ranges[k]!;
    const length = ranges[k + 1]!;
    out += text.slice(at, start) + " ".repeat(length);
    at = start + length;
  }
  return out + text.slice(at);
}

const hour12 = (h: number, ap: string) => (ap.toLowerCase().startsWith("p") ? (h % 12) + 12 : h % 12);

/** The value of a number word (already lower case), or undefined. */
function wordValue(word: string, original: string, useEn: boolean, useDe: boolean, lenient: boolean): number | undefined {
  let v: number | undefined;
  if (useEn) v = EN_WORDS.get(word);
  if (v === undefined && useDe) {
    v = DE_WORDS.get(word);
    if (v === undefined && word.length >= 11 && word.includes("und")) {
      const compound = RE_DE_COMPOUND.exec(word);
      if (compound) v = UNIT_PREFIX.get(compound[1]!)! + DE_TENS[compound[2]!]!;
    }
    if (v === undefined) {
      // A stem and an ending e/er/en/em/es: the shortest stem that leaves one of the endings.
      const n = word.length;
      const last = word.charCodeAt(n - 1);
      let stem: string | null = null;
      if (n >= 3 && word.charCodeAt(n - 2) === 101 /* e */ && (last === 114 || last === 110 || last === 109 || last === 115) /* r n m s */) {
        stem = word.slice(0, n - 2);
      } else if (n >= 2 && last === 101) stem = word.slice(0, n - 1);
      if (stem !== null) v = DE_STEMS.get(stem);
    }
  }
  if (v === undefined && lenient) {
    v = LENIENT_WORDS.get(word);
    if (v === undefined) {
      const candidates = PREFIXES.get(word[0]!);
      if (candidates) for (const [w, n] of candidates) if (word.startsWith(w)) v = n;
    }
    const month = MONTH_WORDS.get(word);
    if (v === undefined && month !== undefined && RE_UPPER_START.test(original)) v = month;
  }
  return v;
}

/** Every numeric mention of a text with its possible values, most likely first. */
function scan(text: string, lang: string, lenient: boolean): Found[] {
  const found: Found[] = [];
  // Each pass reads the text as the passes before it left it (their matches blanked out); a pass's
  // own matches are blanked in one go when it ends.
  let rest = text;
  const ranges: number[] = [];
  const endPass = () => {
    if (ranges.length) rest = blankRanges(rest, ranges);
    ranges.length = 0;
  };
  const take = (re: RegExp, read: (m: RegExpExecArray) => string[] | null) => {
    re.lastIndex = 0;
    for (let m = re.exec(rest); m !== null; m = re.exec(rest)) {
      const values = read(m);
      if (!values || values.length === 0) continue;
      found.push({ values, text: m[0].trim(), index: m.index });
      ranges.push(m.index, m[0].length);
    }
    endPass();
  };
  const hasDigit = /\d/.test(text);

  if (hasDigit) {
    // Times: "13:01", "1:01 p.m.", "13.01 Uhr", "13 Uhr", "1 p.m."
    take(RE_TIME_MARKED, (m) => {
      let h = Number(m[1]);
      if (m[3]) h = hour12(h, m[3]);
      const t = time(h, Number(m[2]));
      return t ? [t] : null;
    });
    take(RE_TIME_COLON, (m) => {
      const t = time(Number(m[1]), Number(m[2]));
      return t ? [t] : null;
    });
    take(RE_HOUR, (m) => {
      if (m[3] && lang !== "en" && !lenient) return null; // German "am" is a word
      const h = m[2] || m[3] ? hour12(Number(m[1]), (m[2] || m[3])!) : Number(m[1]);
      const t = time(h, 0);
      return t ? (lenient ? [t, String(h)] : [t]) : null;
    });
    // Numeric dates: "16.05.2024", "16.5.", "2024-05-16", "5/16/2024".
    take(RE_ISO_DATE, (m) => [canonical(m[1]!), canonical(m[2]!), canonical(m[3]!)]);
    RE_DOT_DATE.lastIndex = 0;
    for (let m = RE_DOT_DATE.exec(rest); m !== null; m = RE_DOT_DATE.exec(rest)) {
      const d = Number(m[1]);
      const mo = Number(m[2]);
      if (d < 1 || d > 31 || mo < 1 || mo > 12) continue;
      if (!m[3] && lang === "en" && !lenient) continue; // "rose 3.5." in English is a decimal
      const parts = [canonical(m[1]!), canonical(m[2]!), ...(m[3] ? [canonical(m[3])] : [])];
      for (const p of parts) found.push({ values: [p], text: m[0], index: m.index });
      if (lenient) {
        // "13.01" may also be a decimal or a time of day.
        const t = m[2]!.length === 2 ? time(d, mo) : null;
        found.push({ values: [canonical(m[1]!, m[2]), ...(t ? [t] : [])], text: m[0], index: m.index });
      }
      ranges.push(m.index, m[0].length);
    }
    endPass();
    take(RE_SLASH_DATE, (m) => [canonical(m[1]!), canonical(m[2]!), canonical(m[3]!)]);
    // Regular-space thousands, "23 400": joined in German/French text; both readings when lenient.
    take(RE_SPACE_THOUSANDS, (m) => {
      const joined = canonical(m[0].replace(/ /g, ""));
      if (lenient) return [joined, ...m[0].split(" ").map((p) => canonical(p))];
      if (lang === "en") return null;
      return [joined];
    });
    // Other numerals, with an optional ordinal suffix ("16th").
    RE_NUMERAL.lastIndex = 0;
    for (let m = RE_NUMERAL.exec(rest); m !== null; m = RE_NUMERAL.exec(rest)) {
      const raw = m[0].replace(RE_ORDINAL_SUFFIX, "");
      const values = readNumeral(raw, lang);
      if (lenient) {
        // A year may also be written short ("2023/24"), a list "1.2.3" yields its parts.
        const extra: string[] = [];
        for (const v of values) if (RE_YEAR.test(v)) extra.push(canonical(v.slice(2)));
        const hm = RE_HOUR_MINUTE.exec(raw);
        const t = hm ? time(Number(hm[1]), Number(hm[2])) : null;
        if (t) extra.push(t);
        found.push({ values: [...values, ...extra], text: m[0], index: m.index });
      } else if (LIST in values) {
        for (const v of values) found.push({ values: [v], text: m[0], index: m.index });
      } else {
        found.push({ values: [values[0]!], text: m[0], index: m.index });
      }
    }
  }

  // Number words.
  const de = lang === "de";
  const en = lang === "en";
  const useEn = lenient || en;
  const useDe = lenient || de;
  if (useEn) {
    RE_EN_TENS_UNITS.lastIndex = 0;
    for (let m = RE_EN_TENS_UNITS.exec(rest); m !== null; m = RE_EN_TENS_UNITS.exec(rest)) {
      const v = EN_TENS[m[1]!.toLowerCase()]! + (m[2]!.toLowerCase() === "one" ? 1 : EN_UNITS[m[2]!.toLowerCase()]!);
      found.push({ values: [String(v)], text: m[0], index: m.index });
      ranges.push(m.index, m[0].length);
    }
    endPass();
  }
  // Words (runs of \p{L}); only those that begin with the first letter of some number word are
  // cut out and looked up.
  const n = rest.length;
  let i = 0;
  while (i < n) {
    let step = letterAt(rest, i);
    if (step === 0) {
      i++;
      continue;
    }
    const start = i;
    const c = rest.charCodeAt(i);
    const first = c >= 65 && c <= 90 ? c | 32 : c;
    do i += step;
    while (i < n && (step = letterAt(rest, i)) !== 0);
    if (first >= 128 || FIRST_LETTERS[first] === 0) continue;
    const original = rest.slice(start, i);
    const v = wordValue(original.toLowerCase(), original, useEn, useDe, lenient);
    if (v !== undefined) found.push({ values: [String(v)], text: original, index: start });
  }
  return found.sort((a, b) => a.index - b.index);
}

/** The numbers a text clearly states, one mention per occurrence. `lang` is the text's ISO 639-1 code. */
export function strictNumbers(text: string, lang: string): NumberMention[] {
  return scan(text, lang.split("-")[0]!.toLowerCase(), false).map((f) => ({ value: f.values[0]!, text: f.text, index: f.index }));
}

/**
 * Every value a text could be read as stating, under any locale convention. One lenient scan is
 * enough: a lenient scan reads every writing both ways, so its language only orders a numeral's
 * readings ("1,000": thousands or decimal first), never changes the set of them.
 */
export function lenientNumbers(text: string): Set<string> {
  const set = new Set<string>();
  for (const f of scan(text, "en", true)) for (const v of f.values) set.add(v);
  return set;
}
