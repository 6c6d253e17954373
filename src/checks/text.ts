// Small text helpers the checks share.

/** Letters (any script) in a text. */
export function letterCount(text: string): number {
  return (text.match(/\p{L}/gu) ?? []).length;
}

/** Words: runs of letters/digits (with inner apostrophes, hyphens, dots of numbers). */
export function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:['’\-.,][\p{L}\p{N}]+)*/gu) ?? [];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const matcherCache = new Map<string, RegExp>();

/**
 * A regular expression that finds `term` as a whole word. Case-sensitive when the term has a capital
 * letter (names), else case-insensitive. A genitive/possessive ending ("Chinas", "China's") is
 * allowed; with `compound` the term may also begin a longer word ("Kremlchef", "Ukraine-Krise"), as
 * German compounds do.
 */
export function termPattern(term: string, compound = false): RegExp {
  const key = `${compound ? 1 : 0}\u0000${term}`;
  let re = matcherCache.get(key);
  if (!re) {
    const flags = /\p{Lu}/u.test(term) ? "gu" : "giu";
    const body = escapeRegExp(term).replace(/\s+/g, "[\\s\\u00a0-]+");
    const start = /^[\p{L}\p{N}]/u.test(term) ? "(?<![\\p{L}\\p{N}])" : "";
    const end = compound ? "" : /[\p{L}\p{N}]$/u.test(term) ? "(?:s|['’]s|['’])?(?![\\p{L}\\p{N}])" : "";
    re = new RegExp(start + body + end, flags);
    matcherCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

export function containsTerm(text: string, term: string, compound = false): boolean {
  return termPattern(term, compound).test(text);
}

/** Short quotation of a text for a message: at most `max` characters, one line. */
export function excerpt(text: string, max = 40): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : flat.slice(0, max - 1).trimEnd() + "…";
}

/** Base language of a code in lower case: "de-CH" -> "de". */
export function base(code: string): string {
  return code.split(/[-_]/)[0]!.toLowerCase();
}

/** Normalised variant: "de-ch" -> "de-CH", "EN" -> "en". */
export function normaliseLang(code: string): string {
  const [lang, ...rest] = code.trim().split(/[-_]/);
  const parts = [lang!.toLowerCase(), ...rest.map((p) => (p.length === 2 ? p.toUpperCase() : p))];
  return parts.join("-");
}
