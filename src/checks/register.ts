// The register check: German narrative text that addresses the reader in the other register than
// the desk's (--formality). Quotations keep the speaker's own words, so text inside „…“, «…»,
// »…«, “…” and "…" is never judged. One soft finding per answer (a translation, one language of a
// digest), naming the words and where they are; it gets one repair, then stays as a warning.
import type { Formality } from "../core/formality.ts";
import { registerPronoun } from "../core/formality.ts";
import type { Finding } from "./types.ts";

/** Opening mark -> the marks that close it, and whether an unclosed one runs to the end of the text. */
const QUOTES: Record<string, { close: string; toEnd: boolean }> = {
  "„": { close: "“”\"", toEnd: true }, // German; a quotation over several paragraphs opens each and closes only the last
  "«": { close: "»", toEnd: true }, // Swiss
  "»": { close: "«", toEnd: true }, // German books and magazines
  "“": { close: "”“", toEnd: false }, // English; a lone “ is a German closing mark
  '"': { close: '"', toEnd: false },
};

/** The text with every quotation (marks included) blanked to spaces: positions stay, quoted words are gone. */
export function narrativeText(text: string): string {
  const out = text.split("");
  for (let i = 0; i < text.length; i++) {
    const quote = QUOTES[text[i]!];
    if (!quote) continue;
    let j = i + 1;
    while (j < text.length && !quote.close.includes(text[j]!)) j++;
    if (j >= text.length && !quote.toEnd) continue; // a stray mark: not a quotation
    const end = Math.min(j, text.length - 1);
    for (let k = i; k <= end; k++) out[k] = text[k] === "\n" ? "\n" : " ";
    i = end;
  }
  return out.join("");
}

const L = "\\p{L}\\p{N}";
const word = (alternatives: string, flags = "gu") => new RegExp(`(?<![${L}])(?:${alternatives})(?![${L}])`, flags);

/** Informal address: pronouns in any case ("Du" in a letter), verb forms only in lower case ("Hast" is also a noun). */
const INFORMAL_PRONOUNS = word("du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure|euren|eurem|eurer|eures", "giu");
const INFORMAL_VERBS = word("bist|hast|kannst|willst|musst|sollst|darfst|magst|wirst|weisst|weißt|seid|ihr (?:seid|habt|könnt|müsst|wollt|sollt|dürft|werdet|wisst)");
/** Formal address: the capitalised pronouns, which mid-sentence are never "sie"/"ihr" (she, they, her). */
const FORMAL_PRONOUNS = word("Sie|Ihnen|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres");

const isUpper = (w: string | undefined) => w !== undefined && /^\p{Lu}/u.test(w);

/** The word before and after position `index` (in the narrative text). */
function neighbours(text: string, index: number, length: number): { before?: string; beforeAt: number; after?: string } {
  const head = text.slice(0, index);
  const before = /([\p{L}\p{N}'’-]+)\s+$/u.exec(head);
  const after = /^\s+([\p{L}\p{N}'’-]+)/u.exec(text.slice(index + length, index + length + 40))?.[1];
  return { before: before?.[1], beforeAt: before ? before.index : index, after };
}

/** True when `index` starts a sentence (or a text): there a capitalised "Sie" may be "she" or "they". */
function sentenceStart(text: string, index: number): boolean {
  const before = text.slice(0, index).trimEnd();
  return before === "" || /[.!?:;(\[–—\-…]$/u.test(before);
}

export interface RegisterHit {
  word: string;
  index: number;
}

/** Words of the other register than `formality` in the narrative (unquoted) part of `text`, in order. */
export function registerHits(text: string, formality: Formality): RegisterHit[] {
  const narrative = narrativeText(text);
  const hits: RegisterHit[] = [];
  if (formality === "formal") {
    for (const m of narrative.matchAll(INFORMAL_PRONOUNS)) {
      // "Cirque du Soleil", "Faf du Plessis": a French name particle between two names.
      if (m[0].toLowerCase() === "du") {
        const { before, beforeAt, after } = neighbours(narrative, m.index, m[0].length);
        if (isUpper(before) && isUpper(after) && !sentenceStart(narrative, beforeAt)) continue;
      }
      hits.push({ word: m[0], index: m.index });
    }
    for (const m of narrative.matchAll(INFORMAL_VERBS)) hits.push({ word: m[0], index: m.index });
  } else {
    for (const m of narrative.matchAll(FORMAL_PRONOUNS)) {
      if (!sentenceStart(narrative, m.index)) hits.push({ word: m[0], index: m.index });
    }
  }
  return hits.sort((a, b) => a.index - b.index);
}

/** A few words around a hit, for the message. */
function around(text: string, index: number): string {
  const start = Math.max(0, text.lastIndexOf(" ", Math.max(0, index - 25)) + 1);
  const endSpace = text.indexOf(" ", Math.min(text.length, index + 25));
  const end = endSpace < 0 ? text.length : endSpace;
  const flat = text.slice(start, end).replace(/\s+/g, " ").trim();
  return `${start > 0 ? "…" : ""}${flat}${end < text.length ? "…" : ""}`;
}

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/**
 * One soft finding when any part uses the other register outside quotations: the words, the parts
 * ("paragraph 3", "the teaser") and an excerpt of the first. `parts`: [where, text] pairs.
 */
export function registerFindings(parts: [string, string][], formality: Formality): Finding[] {
  const words = new Set<string>();
  const where: string[] = [];
  let first: { text: string; index: number } | null = null;
  for (const [name, text] of parts) {
    const hits = registerHits(text, formality);
    if (hits.length === 0) continue;
    where.push(name);
    for (const h of hits) words.add(h.word);
    first ??= { text, index: hits[0]!.index };
  }
  if (!first) return [];
  const used = formality === "formal" ? "informally" : "formally";
  const shown = [...words].slice(0, 6).map((w) => JSON.stringify(w)).join(", ");
  return [
    {
      check: "register",
      severity: "soft",
      message:
        `${list(where)} ${where.length > 1 ? "address" : "addresses"} the reader ${used} (${shown}) outside quotations; ` +
        `the desk's register is ${formality} ("${registerPronoun(formality)}"): "${around(first.text, first.index)}"`,
    },
  ];
}
