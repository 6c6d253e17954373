import { describe, expect, it } from "vitest";
import { useOpenAIServer } from "./support/use-server.ts";
import { describeRequest, fakeModel } from "./support/fake-model.ts";
import { testPipeline } from "./support/setup.ts";
import { processArticle } from "../src/run/pipeline.ts";
import { articleId } from "../src/article/index.ts";
import { planBatch } from "../src/run/plan.ts";
import type { Article } from "../src/core/types.ts";

const server = useOpenAIServer();

const SENTENCES = [
  "The committee met again on Tuesday to discuss the budget for the coming year",
  "Several members asked for more time to read the report before the vote",
  "The chairman said that the talks had been difficult but useful for everyone",
  "Local businesses have followed the debate closely because it affects their taxes",
  "Observers expect a decision before the end of the month at the latest",
  "The opposition criticised the plan as too expensive and too vague",
];

/** An English report of about `words` words; paragraph n carries the marker number 1000 + n. */
function longArticle(words: number): Article {
  const paragraphs: string[] = [];
  let count = 0;
  for (let n = 0; count < words; n++) {
    const size = 2 + (n % 5);
    const text = [`In section ${1000 + n} of the report, the council describes its work.`];
    for (let i = 0; i < size; i++) text.push(`${SENTENCES[(n + i) % SENTENCES.length]}.`);
    const paragraph = text.join(" ");
    paragraphs.push(paragraph);
    count += paragraph.split(/\s+/).length;
  }
  const title = "Council publishes its long annual report";
  return { id: articleId(title, paragraphs), title, published: null, credit: null, lang: "en", paragraphs, url: null, source: { path: "long.txt" } };
}

describe("long articles", () => {
  it("translates a 20,000-word article in paragraph-aligned chunks, whole and in order", async () => {
    const article = longArticle(20_000);
    const pipeline = testPipeline(server.url, { languages: ["de"], tasks: ["translate"], chunkTokens: 4_000 });
    const result = await processArticle(article, pipeline);

    const translations = server.requests.filter((r) => describeRequest(r).task === "translate");
    expect(translations.length).toBeGreaterThanOrEqual(6);
    const paragraphs = result.languages.de!.paragraphs!;
    expect(paragraphs).toHaveLength(article.paragraphs.length);
    // The fake model keeps each paragraph's numbers: paragraph n must carry marker 1000 + n.
    paragraphs.forEach((p, n) => expect(p).toContain(String(1000 + n)));
    // Each chunk after the first is told how the previous one ended.
    expect(translations[1]!.messages.at(-1)!.content).toMatch(/the previous part read:/);
    expect(result.usage.calls).toBe(translations.length);
  });

  it("--dry-run plans a long article's translation as one call per chunk, as the run makes them", async () => {
    const article = longArticle(20_000);
    const pipeline = testPipeline(server.url, { languages: ["de"], tasks: ["translate"], chunkTokens: 4_000 });
    async function* one() {
      yield { article };
    }
    const plan = await planBatch(one(), pipeline, null);
    await processArticle(article, pipeline);
    expect(plan.calls).toBe(server.requests.length);
    expect(plan.calls).toBeGreaterThanOrEqual(6);
  });

  it("splits a translation that comes back truncated into smaller pieces instead of failing", async () => {
    const article = longArticle(1_200);
    server.setHandler((body) => {
      const info = describeRequest(body);
      // This "model" runs out of output tokens for anything over 4 paragraphs.
      if (info.task === "translate" && info.paragraphs.length > 4) return { content: '{"title": "Rat", "paragraphs": ["Im Abschnitt', finishReason: "length" };
      return fakeModel(body);
    });
    const pipeline = testPipeline(server.url, { languages: ["de"], tasks: ["translate"] });
    const result = await processArticle(article, pipeline);
    const paragraphs = result.languages.de!.paragraphs!;
    expect(paragraphs).toHaveLength(article.paragraphs.length);
    paragraphs.forEach((p, n) => expect(p).toContain(String(1000 + n)));
    const truncated = server.requests.filter((r) => describeRequest(r).paragraphs.length > 4);
    expect(truncated.length).toBeGreaterThan(0);
    // Every request counts, the truncated ones too.
    expect(result.usage.calls).toBe(server.requests.length);
  });

  it("--dry-run plans a map-reduce digest as the run makes it: one call per chunk and one over them", async () => {
    // The case: 60 paragraphs and --context-tokens 7000 planned 1 digest call; the run made 21.
    const article = longArticle(9_000);
    expect(article.paragraphs.length).toBeGreaterThanOrEqual(60);
    const pipeline = testPipeline(server.url, { languages: ["de", "en"], tasks: ["translate", "digest"], contextTokens: 7_000, cache: null });
    async function* one() {
      yield { article };
    }
    const plan = await planBatch(one(), pipeline, null);
    await processArticle(article, pipeline);
    const digests = server.requests.filter((r) => describeRequest(r).task === "digest").length;
    expect(digests).toBeGreaterThan(2);
    expect(plan.byTask.digest).toBe(digests);
    expect(plan.calls).toBe(server.requests.length);
  });

  it("digests an article too long for one call from its chunks' digests (map-reduce)", async () => {
    const article = longArticle(6_000);
    const pipeline = testPipeline(server.url, { languages: ["de", "en"], tasks: ["digest"], contextTokens: 7_000 });
    const result = await processArticle(article, pipeline);
    const digests = server.requests.filter((r) => describeRequest(r).task === "digest");
    const maps = digests.filter((r) => describeRequest(r).languages.join() === "en");
    expect(maps.length).toBeGreaterThanOrEqual(2);
    const reduce = digests.at(-1)!;
    expect(describeRequest(reduce).languages).toEqual(["de", "en"]);
    // The reduce call sees the chunk digests, not the 6,000 words.
    expect(describeRequest(reduce).paragraphs).toHaveLength(maps.length);
    expect(result.languages.de!.keyPoints!.length).toBeGreaterThanOrEqual(3);
  });
});
