// Person and place names: which the source mentions, whether a translation keeps them, and whether
// a text uses the desk's form of each (data in names.json).
import { readFileSync } from "node:fs";
import { containsTerm, escapeRegExp, termPattern } from "../core/text.ts";

interface NameEntry {
  /** Forms per language; "all" holds forms right in every language. */
  forms: Record<string, string[]>;
  except: string[];
  /** Every form, in the order of `forms`. */
  all: string[];
  /** `except` as patterns (built once). */
  exceptPatterns: [phrase: string, pattern: RegExp][];
  /** Per language: the forms that are wrong there (see nameFormProblems), built on first use. */
  wrongIn: Map<string, string[]>;
}

interface NameTable {
  names: NameEntry[];
  common: Set<string>;
}

let table: NameTable | null = null;

/** The name table shipped in names.json (read once). */
export function nameTable(): NameTable {
  if (!table) {
    const raw = JSON.parse(readFileSync(new URL("./names.json", import.meta.url), "utf8")) as {
      names: Array<Record<string, string[]>>;
      common: string[];
    };
    table = {
      names: raw.names.map((n) => {
        const { except = [], ...forms } = n;
        return {
          forms,
          except,
          all: Object.values(forms).flat(),
          exceptPatterns: except.map((phrase): [string, RegExp] => [phrase, new RegExp(escapeRegExp(phrase), "g")]),
          wrongIn: new Map(),
        };
      }),
      common: new Set(raw.common),
    };
  }
  return table;
}

function allForms(entry: NameEntry): string[] {
  return entry.all;
}

/** Forms right in a language: its own plus "all"; null when the table says nothing for that language. */
function formsFor(entry: NameEntry, lang: string): string[] | null {
  const own = entry.forms[lang];
  const all = entry.forms.all ?? [];
  if (!own && !all.length) return null;
  return [...(own ?? []), ...all];
}

/** Text with the `except` phrases blanked out. */
function withoutExceptions(text: string, entry: NameEntry): string {
  let t = text;
  for (const [phrase, pattern] of entry.exceptPatterns) if (t.includes(phrase)) t = t.replace(pattern, " ");
  return t;
}

function occurs(text: string, form: string, compound: boolean): boolean {
  return containsTerm(text, form, compound);
}

export interface MissingName {
  name: string;
}

const SENTENCE_START_WORDS = new Set([
  "The", "A", "An", "In", "On", "At", "As", "By", "For", "From", "Of", "To", "With", "After", "Before", "But", "And",
  "Or", "If", "When", "While", "Since", "This", "That", "These", "Those", "There", "Here", "His", "Her", "Its", "Their",
  "Our", "We", "They", "He", "She", "It", "I", "You", "According", "However", "Meanwhile", "Also", "So", "Yet",
  "Der", "Die", "Das", "Den", "Dem", "Des", "Ein", "Eine", "Einer", "Im", "Am", "Beim", "Vom", "Zum", "Zur", "Auf",
  "Aus", "Bei", "Mit", "Nach", "Seit", "Von", "Vor", "Für", "Gegen", "Laut", "Auch", "Aber", "Und", "Doch", "Wie", "Er",
  "Sie", "Es", "Wir", "Ihr", "Sein", "Seine", "Dort", "Hier", "Nun", "Dann", "Damit", "Dabei",
]);

/** Sequences of Capitalised words separated by single spaces (no punctuation in between). */
const WORD = "\\p{Lu}[\\p{L}\\p{M}]*(?:[-'’][\\p{L}\\p{M}]+)*";
const CAPITALISED_SEQUENCE = new RegExp(`${WORD}(?: ${WORD})+`, "gu");
const POSSESSIVE = /['’]s$/u;
const OPENING_OR_SPACE = /^["'“”„«»‹›(\[\s]$/u;
const SENTENCE_END = /^[.!?:;]$/;

/** The words of a text that begin with a lower-case letter. */
function lowerCaseWords(text: string): Set<string> {
  return new Set((text.match(/\p{L}+/gu) ?? []).filter((w) => /^\p{Ll}/u.test(w)));
}

/**
 * Multi-word capitalised names of a text that the table does not know ("Olaf Scholz",
 * "Karin Keller-Sutter"): sequences of two or more capitalised words, without leading titles and
 * sentence-initial common words, containing no word the table calls common (titles, institutions,
 * nationalities), so "European Central Bank" or "Russian President" are never taken as names.
 */
function unknownMultiWordNames(text: string, knownSpans: string): string[] {
  const { common } = nameTable();
  let lowerWords: Set<string> | null = null; // built when first needed
  const names = new Set<string>();
  const seq = CAPITALISED_SEQUENCE;
  seq.lastIndex = 0;
  for (let m = seq.exec(knownSpans); m !== null; m = seq.exec(knownSpans)) {
    let ws = m[0].split(" ").map((w) => w.replace(POSSESSIVE, ""));
    // At a sentence start: nothing but quotes, brackets and space since the last . ! ? : ; (or the start).
    let k = m.index - 1;
    while (k >= 0 && OPENING_OR_SPACE.test(knownSpans[k]!)) k--;
    const sentenceStart = k < 0 || SENTENCE_END.test(knownSpans[k]!);
    if (sentenceStart && ws.length && (SENTENCE_START_WORDS.has(ws[0]!) || (lowerWords ??= lowerCaseWords(text)).has(ws[0]!.toLowerCase()))) {
      ws = ws.slice(1);
    }
    while (ws.length && common.has(ws[0]!)) ws = ws.slice(1);
    if (ws.length < 2) continue;
    if (ws.some((w) => common.has(w) || SENTENCE_START_WORDS.has(w))) continue;
    names.add(ws.join(" "));
  }
  return [...names];
}

/**
 * Names the source mentions that the translation lacks. A name from the table counts as present in
 * any of its forms (exonyms included); an unknown multi-word name counts as present when any of its
 * words is there (not for German sources). German targets may glue a name into a compound ("Kremlchef").
 */
export function missingNames(sourceText: string, outputText: string, targetLang: string, sourceLang = "en"): string[] {
  const compound = targetLang === "de";
  const missing: string[] = [];
  let rest = sourceText;
  for (const entry of nameTable().names) {
    const forms = allForms(entry);
    const src = withoutExceptions(rest, entry);
    const hit = forms.filter((f) => occurs(src, f, false));
    if (!hit.length) continue;
    // Blank the known names so the generic pass does not see them again.
    for (const f of forms) rest = rest.replace(termPattern(f), (s) => "\u2022".repeat(s.length));
    if (!forms.some((f) => occurs(outputText, f, compound))) {
      hit.sort((a, b) => b.length - a.length);
      missing.push(hit[0]!);
    }
  }
  // German capitalises every noun, so "Kriegsbeginn Einbussen" would look like a name: in German
  // sources only the table's names are checked.
  if (sourceLang.split("-")[0]!.toLowerCase() === "de") return missing;
  for (const name of unknownMultiWordNames(sourceText, rest)) {
    const parts = name.split(" ").filter((w) => w.length >= 2);
    if (!parts.some((w) => occurs(outputText, w, compound))) missing.push(name);
  }
  return missing;
}

export interface NameFormProblem {
  /** The form the text should not use. */
  wrong: string;
  /** The desk's form. */
  right: string;
  /** Both forms occur. */
  mixed: boolean;
}

/**
 * Name forms that are not the desk's for `lang` ("Beijing" in German, "Wladimir Putin" in English),
 * flagged as mixed when the desk's form is used in the same text too.
 */
export function nameFormProblems(text: string, lang: string): NameFormProblem[] {
  const problems: NameFormProblem[] = [];
  for (const entry of nameTable().names) {
    if (!entry.forms[lang]) continue;
    let wrongForms = entry.wrongIn.get(lang);
    if (!wrongForms) {
      const rightSet = new Set(formsFor(entry, lang)!);
      wrongForms = allForms(entry).filter((f) => !rightSet.has(f));
      entry.wrongIn.set(lang, wrongForms);
    }
    const t = withoutExceptions(text, entry);
    const wrong = wrongForms.filter((f) => occurs(t, f, false));
    if (!wrong.length) continue;
    // A wrong form hidden inside a right one ("Wladimir Putin" contains "Putin") is fine.
    const own = entry.forms[lang]!;
    const usedRight = own.find((f) => occurs(t, f, lang === "de"));
    wrong.sort((a, b) => b.length - a.length);
    problems.push({ wrong: wrong[0]!, right: usedRight ?? own[0]!, mixed: usedRight !== undefined });
  }
  return problems;
}
