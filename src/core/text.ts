// Small text helpers the checks share.

const LETTER = /\p{L}/u;
/** 1 letter, 2 not a letter, 0 not yet known: \p{L} per UTF-16 code unit, filled on first use. */
const LETTER_CLASS = new Uint8Array(0x10000);

/** Length in code units (1 or 2) of the letter (\p{L}) at text[i], or 0 when there is none. */
export function letterAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? 1 : 0;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return LETTER.test(text.slice(i, i + 2)) ? 2 : 0;
  }
  let k = LETTER_CLASS[c]!;
  if (k === 0) LETTER_CLASS[c] = k = LETTER.test(String.fromCharCode(c)) ? 1 : 2;
  return k === 1 ? 1 : 0;
}

/** Letters (any script) in a text. */
export function letterCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; ) {
    const step = letterAt(text, i);
    if (step) {
      count++;
      i += step;
    } else i++;
  }
  return count;
}

/** Words: runs of letters/digits (with inner apostrophes, hyphens, dots of numbers). */
export function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:['’\-.,][\p{L}\p{N}]+)*/gu) ?? [];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const matchers = new Map<string, RegExp>();
const compoundMatchers = new Map<string, RegExp>();
/** Per term: its text up to the first white space when the pattern is case-sensitive (every match contains it), else "". */
const literalHeads = new Map<string, string>();

/**
 * A regular expression that finds `term` as a whole word. Case-sensitive when the term has a capital
 * letter (names), else case-insensitive. A genitive/possessive ending ("Chinas", "China's") is
 * allowed; with `compound` the term may also begin a longer word ("Kremlchef", "Ukraine-Krise"), as
 * German compounds do.
 */
export function termPattern(term: string, compound = false): RegExp {
  const cache = compound ? compoundMatchers : matchers;
  let re = cache.get(term);
  if (!re) {
    const flags = /\p{Lu}/u.test(term) ? "gu" : "giu";
    const body = escapeRegExp(term).replace(/\s+/g, "[\\s\\u00a0-]+");
    const start = /^[\p{L}\p{N}]/u.test(term) ? "(?<![\\p{L}\\p{N}])" : "";
    const end = compound ? "" : /[\p{L}\p{N}]$/u.test(term) ? "(?:s|['’]s|['’])?(?![\\p{L}\\p{N}])" : "";
    re = new RegExp(start + body + end, flags);
    cache.set(term, re);
  }
  re.lastIndex = 0;
  return re;
}

export function containsTerm(text: string, term: string, compound = false): boolean {
  let head = literalHeads.get(term);
  if (head === undefined) {
    head = /\p{Lu}/u.test(term) ? term.split(/\s+/)[0]! : "";
    literalHeads.set(term, head);
  }
  // A case-sensitive pattern matches the term's first word literally: without it, no match.
  if (head && !text.includes(head)) return false;
  return termPattern(term, compound).test(text);
}

/** Short quotation of a text for a message: at most `max` characters, one line. */
export function excerpt(text: string, max = 40): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1).trimEnd() + "…";
}

