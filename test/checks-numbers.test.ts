import { describe, expect, it } from "vitest";
import { lenientNumbers, strictNumbers } from "../src/checks/numbers.ts";

// scan() in src/checks/numbers.ts was rewritten for speed (precompiled tables and patterns, one
// blanking per pass, no per-word allocation). These tests pin what it reads, and compare it with
// the implementation before the rewrite (kept below, verbatim) on a generated corpus.

const values = (text: string, lang: string) => strictNumbers(text, lang).map((n) => n.value);

describe("numbers: writings", () => {
  it("thousands: 1,000 / 1.000 / 1'000 / 1’000 / 1 000 (narrow and no-break spaces too)", () => {
    expect(values("1,000 people and 23,400 more", "en")).toEqual(["1000", "23400"]);
    expect(values("1.000 Menschen und 23.400 weitere", "de")).toEqual(["1000", "23400"]);
    expect(values("1'000 Franken, 1’250 Franken, 1\u202f000 Franken, 1\u00a0000 Franken", "de")).toEqual(["1000", "1250", "1000", "1000"]);
    expect(values("1'250.50 Franken und 1'250,50 Franken", "de")).toEqual(["1250.5", "1250.5"]);
    expect(values("23 400 Menschen", "de")).toEqual(["23400"]);
    expect(values("23 400 people", "en")).toEqual(["23", "400"]);
  });

  it("decimals and ambiguous separators follow the text's language", () => {
    // One separator followed by other than three digits can only be a decimal, in either language.
    expect(values("3.5 percent, 3,5 percent", "en")).toEqual(["3.5", "3.5"]);
    expect(values("3,5 Prozent, 3.5 Prozent", "de")).toEqual(["3.5", "3.5"]);
    expect(values("1,000.50 dollars and 1.000,50 Euro", "en")).toEqual(["1000.5", "1000.5"]);
    expect(values("1.250 und 1,250", "de")).toEqual(["1250", "1.25"]);
    expect(values("1,250 and 1.250", "en")).toEqual(["1250", "1.25"]);
    expect(values("007 agents, 5.00 dollars", "en")).toEqual(["7", "5"]);
    expect(values("rules 1.2.3 apply", "en")).toEqual(["1", "2", "3"]);
  });

  it("times", () => {
    expect(values("at 13:01, at 1:01 p.m., at 9:15 am, at 11 a.m., at 12 pm", "en")).toEqual(["13:01", "13:01", "9:15", "11:00", "12:00"]);
    expect(values("um 13.01 Uhr, um 13 Uhr, um 9:30, um 7.45 h", "de")).toEqual(["13:01", "13:00", "9:30", "7:45"]);
    expect(values("am 5 am Morgen", "de")).toEqual(["5"]);
    expect(values("25:00 and 12:75", "en")).toEqual(["25", "0", "12", "75"]);
  });

  it("dates", () => {
    // Dotted dates give one mention per part; an ISO or slashed date is one mention (its first part
    // is the clear reading, the others count only when looking for what a translation wrote).
    expect(values("16.05.2024, 16.5., 2024-05-16, 5/16/2024", "de")).toEqual(["16", "5", "2024", "16", "5", "2024", "5"]);
    for (const v of ["2024", "5", "16"]) expect(lenientNumbers("2024-05-16").has(v)).toBe(true);
    expect(values("it rose 3.5. Then", "en")).toEqual(["3.5"]);
    expect(values("am 32.13.2024", "de")).toEqual(["32", "13", "2024"]); // no date: a list of numbers
    expect(values("on May 16th 2024, the 3rd and the 22nd", "en")).toEqual(["16", "2024", "3", "22"]);
  });

  it("number words, compounds and ordinals", () => {
    expect(values("twelve, twenty, forty-two, ninety nine, a dozen, the eleventh", "en")).toEqual(["12", "20", "42", "99", "12", "11"]);
    expect(values("zwölf, zwanzig, dreißig, dreissig, zweiundvierzig, einundzwanzigsten, Dutzend", "de")).toEqual(["12", "20", "30", "30", "42", "21", "12"]);
    expect(values("die erste, den zweiten, dem dritten, des vierten, der fünfter, siebtes, siebente", "de")).toEqual(["1", "2", "3", "4", "5", "7", "7"]);
    expect(values("Erste Hilfe, ZWÖLF Punkte, Zwölf", "de")).toEqual(["1", "12", "12"]);
    // Only the text's own language's words count as clearly stated.
    expect(values("twelve zwölf", "de")).toEqual(["12"]);
    expect(values("twelve zwölf", "fr")).toEqual([]);
    expect(values("one, an, both, ein, beide, erstmals, Januar", "en")).toEqual([]);
  });

  it("a word that names an Object property is not a number", () => {
    expect(values("The constructor said the bridge would open", "en")).toEqual([]);
    expect(values("constructor", "de")).toEqual([]);
    expect(lenientNumbers("the constructor").size).toBe(0);
  });

  it("lenient: every reading", () => {
    const set = lenientNumbers("Der Zwölfpunkteplan, die beiden Länder, 1,000 Stück, 13.01, vierzigjährig, dreizehnmal, im Mai, may be, 2023, 23 400");
    for (const v of ["12", "2", "1000", "1", "13.01", "13:01", "40", "13", "5", "2023", "23", "23400", "400"]) expect(set.has(v), v).toBe(true);
    expect(set.has("4")).toBe(false); // "vierzig..." is 40, not 4
    expect(lenientNumbers("may be").has("5")).toBe(false); // a month only when capitalised
  });

  it("mentions carry what was written and where", () => {
    expect(strictNumbers("Er kam um 13.01 Uhr, zwölf Minuten zu spät.", "de-CH")).toEqual([
      { value: "13:01", text: "13.01 Uhr", index: 10 },
      { value: "12", text: "zwölf", index: 21 },
    ]);
  });
});

describe("numbers: same readings as before the rewrite", () => {
  const pieces = [
    "1,000", "1.000", "1'000", "1’000", "1\u202f000", "1\u00a0000", "23 400", "3.5", "3,5", "13:01", "13.01", "1:01", "9.15", "13", "7", "2024", "24",
    "16.05.2024", "16.5.", "2024-05-16", "5/16/2024", "1.2.3", "3,5,7", "007", "5.00", "16th", "3rd", "22nd", "1st", "100,000.50", "1.250,50",
    "Uhr", "h", "a.m.", "p.m.", "am", "pm", "AM", "PM", "the", "der", "und", "in", "on", "at", "um", "ein", "eine", "one", "a", "an", "both", "beiden",
    "twelve", "Twelve", "twenty", "forty-two", "ninety nine", "thirty-one", "dozen", "fifth", "eleventh", "zwölf", "Zwölf", "ZWÖLF", "dreißig", "dreissig",
    "zweiundvierzig", "einundzwanzigsten", "fünfte", "erster", "Zweiten", "siebente", "achten", "achte", "Zwölfpunkteplan", "vierzigjährig", "dreizehnmal",
    "achtzehn", "Achtzehnjährige", "fünfzehn", "Mai", "may", "May", "März", "Jänner", "Dezember", "erstmals", "zunächst", "twice", "zweimal", "Paar",
    "İnitially", "Ärzte", "Ölpreis", "Straße", "straße", "«", "»", ".", ",", ";", ":", "(", ")", "-", "/", "'", "’", "\n", "\n\n", "𝒜bc", "𝟙𝟚",
  ];
  const seps = [" ", " ", " ", "", "-", ", ", ". ", "/", ":", "."];

  function corpus(count: number): string[] {
    let a = 0x5eed;
    const r = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const texts: string[] = [];
    for (let k = 0; k < count; k++) {
      const len = 1 + Math.floor(r() * 40);
      let text = "";
      for (let w = 0; w < len; w++) text += pieces[Math.floor(r() * pieces.length)]! + seps[Math.floor(r() * seps.length)]!;
      texts.push(text);
    }
    return texts;
  }

  it("strictNumbers (en, de, fr) and lenientNumbers agree on 3,000 generated texts", () => {
    for (const text of corpus(3000)) {
      for (const lang of ["en", "de", "de-CH", "fr"]) expect(strictNumbers(text, lang), `${lang}: ${JSON.stringify(text)}`).toEqual(refStrictNumbers(text, lang));
      expect([...lenientNumbers(text)].sort(), JSON.stringify(text)).toEqual([...refLenientNumbers(text)].sort());
    }
  });

  it("and on wire prose in both languages", () => {
    const prose = [
      "About 12,400 people are expected to use the tram line every day. Costs rose by 14.5 percent, the council said on May 16, 2024.",
      "Die Sitzung begann um 16.30 Uhr und dauerte bis 23 Uhr. Der Kanton steuert 1'250'000 Franken bei, der Rest kommt aus dem Budget 2023/24.",
      "\"We waited twenty-five years,\" said Anna Keller, 54. It is the fifth vote since 1999; turnout was 41 percent (1:15 p.m. figures).",
      "Laut Keller arbeiteten zwölf Teams fünfundzwanzig Monate an den 3,5 Millionen teuren Plänen; am 1.4. folgt der zweite Bericht, am 30.06.2025 der dritte.",
      "Der Zwölfpunkteplan sieht vor, dass 2 500 Wohnungen bis 2030 entstehen – erstmals mit einem Dutzend Partnern und beiden Kantonen.",
    ];
    for (const text of prose) {
      for (const lang of ["en", "de"]) expect(strictNumbers(text, lang)).toEqual(refStrictNumbers(text, lang));
      expect([...lenientNumbers(text)].sort()).toEqual([...refLenientNumbers(text)].sort());
    }
  });
});

// ---- the implementation before the rewrite (src/checks/numbers.ts at 28a4de1), for comparison ----
// Differs from the current one only where a word names an Object.prototype property
// ("constructor" read as a number): the generated texts contain no such word.
const { refStrictNumbers, refLenientNumbers } = (() => {
  // Numbers in running text, normalised so that "1,000", "1.000", "1'000", "twelve"/"zwölf",
  // "fifth"/"fünfte", "13:01"/"13.01 Uhr" and "1 p.m."/"13 Uhr" compare equal.
  //
  // strictNumbers: the numbers a text clearly states (what must survive a translation).
  // lenientNumbers: every value a text could be read as (what a translation may have written).

  interface RefNumberMention {
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

  const LIST = Symbol("ref-list");

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

  /** Every numeric mention of a text with its possible values, most likely first. */
  function scan(text: string, lang: string, lenient: boolean): Found[] {
    const found: Found[] = [];
    let rest = text;
    const blank = (index: number, length: number) => {
      rest = rest.slice(0, index) + " ".repeat(length) + rest.slice(index + length);
    };
    const take = (re: RegExp, read: (m: RegExpMatchArray) => string[] | null) => {
      for (const m of [...rest.matchAll(re)]) {
        const values = read(m);
        if (!values || values.length === 0) continue;
        found.push({ values, text: m[0].trim(), index: m.index! });
        blank(m.index!, m[0].length);
      }
    };
    const hour12 = (h: number, ap: string) => (ap.toLowerCase().startsWith("p") ? (h % 12) + 12 : h % 12);

    // Times: "13:01", "1:01 p.m.", "13.01 Uhr", "13 Uhr", "1 p.m."
    take(/(?<![\d.,:])(\d{1,2})[:.](\d{2})(?:\s*(a\.m\.|p\.m\.|am\b|pm\b)|\s*(?:Uhr|h)\b)/giu, (m) => {
      let h = Number(m[1]);
      if (m[3]) h = hour12(h, m[3]);
      const t = time(h, Number(m[2]));
      return t ? [t] : null;
    });
    take(/(?<![\d.,:])(\d{1,2}):(\d{2})(?![\d:])/gu, (m) => {
      const t = time(Number(m[1]), Number(m[2]));
      return t ? [t] : null;
    });
    take(/(?<![\d.,:])(\d{1,2})\s*(?:(a\.m\.|p\.m\.)|(am|pm)\b|(Uhr)\b)/giu, (m) => {
      if (m[3] && lang !== "en" && !lenient) return null; // German "am" is a word
      const h = m[2] || m[3] ? hour12(Number(m[1]), (m[2] || m[3])!) : Number(m[1]);
      const t = time(h, 0);
      return t ? (lenient ? [t, String(h)] : [t]) : null;
    });
    // Numeric dates: "16.05.2024", "16.5.", "2024-05-16", "5/16/2024".
    take(/(?<![\d.,])(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/gu, (m) => [canonical(m[1]!), canonical(m[2]!), canonical(m[3]!)]);
    for (const m of [...rest.matchAll(/(?<![\d.,])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2}(?!\d))?/gu)]) {
      const d = Number(m[1]);
      const mo = Number(m[2]);
      if (d < 1 || d > 31 || mo < 1 || mo > 12) continue;
      if (!m[3] && lang === "en" && !lenient) continue; // "rose 3.5." in English is a decimal
      const parts = [canonical(m[1]!), canonical(m[2]!), ...(m[3] ? [canonical(m[3])] : [])];
      for (const p of parts) found.push({ values: [p], text: m[0], index: m.index! });
      if (lenient) {
        // "13.01" may also be a decimal or a time of day.
        const t = m[2]!.length === 2 ? time(d, mo) : null;
        found.push({ values: [canonical(m[1]!, m[2]), ...(t ? [t] : [])], text: m[0], index: m.index! });
      }
      blank(m.index!, m[0].length);
    }
    take(/(?<![\d.,/])(\d{1,2})\/(\d{1,2})\/(\d{2,4})(?![\d/])/gu, (m) => [canonical(m[1]!), canonical(m[2]!), canonical(m[3]!)]);
    // Regular-space thousands, "23 400": joined in German/French text; both readings when lenient.
    take(/(?<![\d.,'’])(\d{1,3})((?: \d{3})+)(?![\d.,'’])/gu, (m) => {
      const joined = canonical(m[0].replace(/ /g, ""));
      if (lenient) return [joined, ...m[0].split(" ").map((p) => canonical(p))];
      if (lang === "en") return null;
      return [joined];
    });
    // Other numerals, with an optional ordinal suffix ("16th").
    for (const m of [...rest.matchAll(/\d+(?:[.,'’\u00a0\u202f\u2009]\d+)*(?:st|nd|rd|th)?/gu)]) {
      const raw = m[0].replace(/(st|nd|rd|th)$/, "");
      const values = readNumeral(raw, lang);
      if (lenient) {
        // A year may also be written short ("2023/24"), a list "1.2.3" yields its parts.
        const extra: string[] = [];
        for (const v of values) if (/^(19|20)\d\d$/.test(v)) extra.push(canonical(v.slice(2)));
        const hm = /^(\d{1,2})[.,](\d{2})$/.exec(raw);
        const t = hm ? time(Number(hm[1]), Number(hm[2])) : null;
        if (t) extra.push(t);
        found.push({ values: [...values, ...extra], text: m[0], index: m.index! });
      } else if (LIST in values) {
        for (const v of values) found.push({ values: [v], text: m[0], index: m.index! });
      } else {
        found.push({ values: [values[0]!], text: m[0], index: m.index! });
      }
    }

    // Number words.
    const de = lang === "de";
    const en = lang === "en";
    const useEn = lenient || en;
    const useDe = lenient || de;
    if (useEn) {
      for (const m of rest.matchAll(/\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[- ](one|two|three|four|five|six|seven|eight|nine)\b/giu)) {
        const v = EN_TENS[m[1]!.toLowerCase()]! + (m[2]!.toLowerCase() === "one" ? 1 : EN_UNITS[m[2]!.toLowerCase()]!);
        found.push({ values: [String(v)], text: m[0], index: m.index! });
        blank(m.index!, m[0].length);
      }
    }
    for (const m of rest.matchAll(/\p{L}+/gu)) {
      const word = m[0].toLowerCase();
      let v: number | undefined;
      if (useEn) v = EN_UNITS[word] ?? EN_TENS[word] ?? EN_ORDINALS[word];
      if (v === undefined && useDe) {
        v = DE_UNITS[word] ?? DE_TENS[word];
        if (v === undefined) {
          const compound = /^(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun)und(zwanzig|dreißig|dreissig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig)(ste[nrms]?)?$/u.exec(word);
          if (compound) v = DE_UNIT_PREFIX[compound[1]!]! + DE_TENS[compound[2]!]!;
        }
        if (v === undefined) {
          const ord = /^(\p{L}+?)(e|er|en|em|es)$/u.exec(word);
          if (ord && DE_ORDINAL_STEMS[ord[1]!] !== undefined) v = DE_ORDINAL_STEMS[ord[1]!];
        }
      }
      if (v === undefined && lenient) {
        v = LENIENT_ONLY[word];
        // German compounds begin with the number: "Zwölfpunkteplan", "Fünfjahresplan".
        if (v === undefined) {
          for (const [w, n] of Object.entries(DE_UNITS)) {
            if (w.length >= 4 && word.startsWith(w)) v = n;
          }
          for (const [w, n] of Object.entries(DE_TENS)) if (word.startsWith(w)) v = n;
        }
        const month = MONTHS[word];
        if (v === undefined && month !== undefined && /^\p{Lu}/u.test(m[0])) v = month;
      }
      if (v !== undefined) found.push({ values: [String(v)], text: m[0], index: m.index! });
    }
    return found.sort((a, b) => a.index - b.index);
  }

  /** The numbers a text clearly states, one mention per occurrence. `lang` is the text's ISO 639-1 code. */
  function refStrictNumbers(text: string, lang: string): RefNumberMention[] {
    return scan(text, lang.split("-")[0]!.toLowerCase(), false).map((f) => ({ value: f.values[0]!, text: f.text, index: f.index }));
  }

  /** Every value a text could be read as stating, under any locale convention. */
  function refLenientNumbers(text: string): Set<string> {
    const set = new Set<string>();
    for (const f of scan(text, "de", true)) for (const v of f.values) set.add(v);
    for (const f of scan(text, "en", true)) for (const v of f.values) set.add(v);
    return set;
  }

  return { refStrictNumbers, refLenientNumbers };
})();
