// Splitting a long article into translation calls that fit the model, and putting it back together.
import { countTokens } from "../core/tokens.ts";

/** Consecutive pieces of an article for one call; `sourceIndex[k]` is the source paragraph of `paragraphs[k]`. */
export interface Chunk {
  paragraphs: string[];
  sourceIndex: number[];
}

const ABBREVIATIONS = new Set(
  [
    "mr", "mrs", "ms", "dr", "prof", "st", "sen", "rep", "gen", "col", "lt", "gov", "jr", "sr", "inc", "ltd", "co",
    "corp", "vs", "etc", "no", "nr", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "bzw", "ca", "vgl", "evtl", "usw", "sog", "inkl", "exkl", "hr", "fr", "frau", "abs", "art", "bd", "mio", "mrd", "z.b",
    "u.a", "d.h", "u.s", "e.g", "i.e",
  ],
);

/** Sentences of a paragraph; joining them with single spaces gives the paragraph back (up to whitespace). */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  // A boundary: . ! ? … (plus closing quotes/brackets) then whitespace then a capital, digit or opening quote.
  const boundary = /([.!?…]+["'”’»«›‹)\]]*)\s+(?=["'“„«»‹›(\[]?[\p{Lu}\p{N}])/gu;
  let start = 0;
  for (const m of paragraph.matchAll(boundary)) {
    const end = m.index + m[1]!.length;
    const before = paragraph.slice(start, m.index);
    const lastWord = /([\p{L}.]+|\d+)$/u.exec(before)?.[1] ?? "";
    if (m[1] === ".") {
      // "Dr. Meier", "z.B. Bern", "U.S. President", "16. Mai": not sentence ends.
      if (/^\d+$/.test(lastWord)) continue;
      if (ABBREVIATIONS.has(lastWord.toLowerCase())) continue;
      if (/^\p{L}$/u.test(lastWord) || /^(\p{L}\.)+\p{L}$/u.test(lastWord)) continue;
    }
    const sentence = paragraph.slice(start, end).trim();
    if (sentence) out.push(sentence);
    start = m.index + m[0].length;
  }
  const rest = paragraph.slice(start).trim();
  if (rest) out.push(rest);
  return out.length ? out : [paragraph];
}

/** Packs sentences (or, with `wordLevel`, words) greedily into space-joined pieces of at most `budget` tokens. */
function pack(parts: string[], wordLevel: boolean, budget: number, count: (s: string) => number): string[] {
  const sep = " ";
  const pieces: string[] = [];
  let current: string[] = [];
  let sum = 0;
  const flush = () => {
    if (current.length) pieces.push(current.join(sep));
    current = [];
    sum = 0;
  };
  for (const part of parts) {
    const t = count(part);
    if (t > budget) {
      flush();
      if (wordLevel) {
        // A single word over budget: cut it by characters.
        let rest = part;
        while (rest.length) {
          let n = Math.max(1, Math.floor((rest.length * budget) / Math.max(count(rest), 1)));
          while (n > 1 && count(rest.slice(0, n)) > budget) n = Math.max(1, Math.floor(n * 0.8));
          pieces.push(rest.slice(0, n));
          rest = rest.slice(n);
        }
      } else {
        pieces.push(...pack(part.split(/\s+/).filter(Boolean), true, budget, count));
      }
      continue;
    }
    if (current.length && sum + t + 1 > budget) flush();
    current.push(part);
    sum += t + (current.length > 1 ? 1 : 0);
  }
  flush();
  // The sum of the parts' counts is an estimate of the joined count; make sure it holds.
  return pieces.flatMap((piece) => {
    if (count(piece) <= budget) return [piece];
    const halves = piece.split(sep);
    if (halves.length < 2) return [piece];
    const mid = Math.ceil(halves.length / 2);
    return [
      ...pack([halves.slice(0, mid).join(sep)], wordLevel, budget, count),
      ...pack([halves.slice(mid).join(sep)], wordLevel, budget, count),
    ];
  });
}

/**
 * Splits paragraphs into consecutive chunks whose token sum (each piece counted on its own) stays
 * within `budgetTokens`. A paragraph over budget is split at sentence boundaries (then at spaces)
 * into pieces; `sourceIndex` tells which paragraph each piece belongs to.
 */
export function chunkParagraphs(
  paragraphs: string[],
  budgetTokens: number,
  count: (s: string) => number = countTokens,
): Chunk[] {
  if (!(budgetTokens >= 1)) throw new Error(`token budget must be at least 1 (got ${budgetTokens})`);
  const budget = Math.floor(budgetTokens);
  const chunks: Chunk[] = [];
  let current: Chunk = { paragraphs: [], sourceIndex: [] };
  let sum = 0;
  const flush = () => {
    if (current.paragraphs.length) chunks.push(current);
    current = { paragraphs: [], sourceIndex: [] };
    sum = 0;
  };
  paragraphs.forEach((paragraph, index) => {
    const t = count(paragraph);
    const pieces = t > budget ? pack(splitSentences(paragraph), false, budget, count) : [paragraph];
    for (const piece of pieces) {
      const pt = pieces.length === 1 ? t : count(piece);
      if (current.paragraphs.length && sum + pt > budget) flush();
      current.paragraphs.push(piece);
      current.sourceIndex.push(index);
      sum += pt;
    }
  });
  flush();
  return chunks;
}

/**
 * Puts translated chunks back together: `translated[c][k]` is the translation of
 * `chunks[c].paragraphs[k]`. Pieces of one source paragraph are joined with a space, in order.
 * Throws when a chunk's translation has a different number of pieces than the chunk.
 */
export function joinChunks(chunks: Chunk[], translated: string[][]): string[] {
  if (translated.length !== chunks.length) {
    throw new Error(`expected translations for ${chunks.length} chunks, got ${translated.length}`);
  }
  const out: string[][] = [];
  chunks.forEach((chunk, c) => {
    const pieces = translated[c]!;
    if (pieces.length !== chunk.paragraphs.length) {
      throw new Error(`chunk ${c + 1}: expected ${chunk.paragraphs.length} paragraphs, got ${pieces.length}`);
    }
    chunk.sourceIndex.forEach((index, k) => {
      (out[index] ??= []).push(pieces[k]!.trim());
    });
  });
  const result: string[] = [];
  for (let i = 0; i < out.length; i++) {
    if (!out[i]) throw new Error(`source paragraph ${i + 1} is in no chunk`);
    result.push(out[i]!.filter((p) => p !== "").join(" "));
  }
  return result;
}

/** Output tokens per input token when translating (German runs ~1.3x English). */
export const TRANSLATION_RATIO = 1.3;

/** The context window assumed when none is configured (current OpenAI models). */
export const DEFAULT_CONTEXT_TOKENS = 128_000;
/** Room for the house and task instructions around the article. */
export const PROMPT_OVERHEAD_TOKENS = 1_500;

/**
 * Token budget for the article text of one translation call. The answer (~1.3x the input) must fit
 * in maxOutputTokens, and instructions + input + answer must fit in the context window; 10% is
 * kept back for the JSON around the answer and the estimate's error.
 */
export function translationBudget(opts: { contextTokens: number; maxOutputTokens: number; overheadTokens: number }): number {
  const { contextTokens, maxOutputTokens, overheadTokens } = opts;
  const byOutput = maxOutputTokens / TRANSLATION_RATIO;
  const byContext = (contextTokens - overheadTokens) / (1 + TRANSLATION_RATIO);
  const budget = Math.floor(0.9 * Math.min(byOutput, byContext));
  if (!(budget >= 50)) {
    throw new Error(
      `no room for article text: context ${contextTokens}, max output ${maxOutputTokens}, overhead ${overheadTokens} tokens`,
    );
  }
  return budget;
}
