import { describe, expect, it } from "vitest";
import { chunkParagraphs, joinChunks, splitSentences, translationBudget } from "../src/tasks/chunking.ts";
import { countTokens } from "../src/core/tokens.ts";

// A deterministic article of ~20,000 words in paragraphs of varied length.
function article(words: number): string[] {
  const vocab = ["Moscow", "and", "Beijing", "consider", "a", "political", "agreement", "to", "be", "suitable", "option",
    "for", "resolving", "the", "war", "in", "Ukraine", "said", "Xi", "Jinping", "on", "Thursday", "trade", "partner", "12", "percent"];
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const paragraphs: string[] = [];
  let total = 0;
  while (total < words) {
    const n = paragraphs.length % 25 === 7 ? 1500 : 5 + Math.floor(rnd() * rnd() * 400);
    const sentences: string[] = [];
    let left = n;
    while (left > 0) {
      const len = Math.min(left, 4 + Math.floor(rnd() * 25));
      const ws = Array.from({ length: len }, () => vocab[Math.floor(rnd() * vocab.length)]!);
      ws[0] = ws[0]!.charAt(0).toUpperCase() + ws[0]!.slice(1);
      sentences.push(ws.join(" ") + ".");
      left -= len;
    }
    paragraphs.push(`[${paragraphs.length}] ` + sentences.join(" "));
    total += n;
  }
  return paragraphs;
}

const normal = (s: string) => s.replace(/\s+/g, " ").trim();

describe("chunkParagraphs / joinChunks", () => {
  it("chunks a 20,000-word article under budget and joins it back in order", () => {
    const paragraphs = article(20_000);
    const cache = new Map<string, number>();
    const count = (s: string) => {
      let n = cache.get(s);
      if (n === undefined) cache.set(s, (n = countTokens(s)));
      return n;
    };
    const budget = 400;
    const chunks = chunkParagraphs(paragraphs, budget, count);
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) {
      expect(chunk.paragraphs.length).toBe(chunk.sourceIndex.length);
      expect(chunk.paragraphs.reduce((sum, p) => sum + count(p), 0)).toBeLessThanOrEqual(budget);
    }
    // Consecutive: the source indices never go backwards.
    const order = chunks.flatMap((c) => c.sourceIndex);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(paragraphs.length);
    // Some long paragraphs were split (the generator makes a few over budget).
    expect(order.length).toBeGreaterThan(paragraphs.length);
    const joined = joinChunks(chunks, chunks.map((c) => [...c.paragraphs]));
    expect(joined).toHaveLength(paragraphs.length);
    expect(joined.map(normal)).toEqual(paragraphs.map(normal));
  });

  it("splits one huge paragraph at sentence boundaries and re-joins it", () => {
    const sentences = Array.from({ length: 300 }, (_, i) => `Sentence number ${i} says that Dr. Meier met U.S. officials on 16. Mai in Bern.`);
    const huge = sentences.join(" ");
    const paragraphs = ["Intro.", huge, "Outro."];
    const chunks = chunkParagraphs(paragraphs, 200);
    const pieces = chunks.flatMap((c) => c.paragraphs.map((p, k) => [p, c.sourceIndex[k]] as const));
    const ofHuge = pieces.filter(([, i]) => i === 1).map(([p]) => p);
    expect(ofHuge.length).toBeGreaterThan(10);
    for (const piece of ofHuge) {
      expect(countTokens(piece)).toBeLessThanOrEqual(200);
      expect(piece).toMatch(/^Sentence number \d+ .*in Bern\.$/); // cut between sentences, not inside one
    }
    const joined = joinChunks(chunks, chunks.map((c) => c.paragraphs.map((p) => p.toUpperCase())));
    expect(joined).toEqual(paragraphs.map((p) => p.toUpperCase()));
  });

  it("cuts a sentence with no end at spaces when it alone is over budget", () => {
    const words = Array.from({ length: 500 }, (_, i) => `word${i}`).join(" ");
    const chunks = chunkParagraphs([words], 50);
    for (const c of chunks) for (const p of c.paragraphs) expect(countTokens(p)).toBeLessThanOrEqual(50);
    expect(joinChunks(chunks, chunks.map((c) => c.paragraphs))).toEqual([words]);
  });

  it("joinChunks refuses a chunk translation with the wrong number of pieces", () => {
    const chunks = chunkParagraphs(["One.", "Two.", "Three."], 1000);
    expect(() => joinChunks(chunks, [["Eins.", "Zwei."]])).toThrow("chunk 1: expected 3 paragraphs, got 2");
  });

  it("splitSentences keeps abbreviations, ordinals and initials together", () => {
    expect(splitSentences('He said: "Yes." Then Dr. Meier left on 16. Mai. U.S. officials agreed! Why? J. Smith knows.')).toEqual([
      'He said: "Yes."',
      "Then Dr. Meier left on 16. Mai.",
      "U.S. officials agreed!",
      "Why?",
      "J. Smith knows.",
    ]);
  });
});

describe("translationBudget", () => {
  it("is limited by the output for large contexts and by the context for small ones", () => {
    // 128k context, 16k output: the answer (1.3x) must fit in 16k.
    expect(translationBudget({ contextTokens: 128_000, maxOutputTokens: 16_384, overheadTokens: 1_500 })).toBe(Math.floor(0.9 * 16_384 / 1.3));
    // 8k context, 8k output: input + 1.3x answer + overhead must fit in 8k.
    expect(translationBudget({ contextTokens: 8_192, maxOutputTokens: 8_192, overheadTokens: 1_000 })).toBe(Math.floor(0.9 * 7_192 / 2.3));
    expect(() => translationBudget({ contextTokens: 1_000, maxOutputTokens: 500, overheadTokens: 1_000 })).toThrow(/no room/);
  });
});
