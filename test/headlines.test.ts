// The headlines task: one call for every language, its own answer shape, checks, the cache (whole
// and per language), --dry-run, the result field, the Markdown section, the CLI command and
// `newsletter --headline N`. The local test server answers; the model is never mocked.
import { describe, expect, it } from "vitest";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { useOpenAIServer } from "./support/use-server.ts";
import { describeRequest, fakeModel, headlinesReply } from "./support/fake-model.ts";
import { runCli } from "./support/cli.ts";
import { SECRET_KEY, promptsCopy, seedArticle, tempDir, testPipeline } from "./support/setup.ts";
import { processArticle } from "../src/run/pipeline.ts";
import { HEADLINE_MAX_CHARS, checkHeadlines, headlineChars, headlinesPrompt } from "../src/tasks/headlines.ts";
import { TASKS } from "../src/tasks/index.ts";
import { loadPromptSet } from "../src/core/prompts.ts";
import { articleMarkdown } from "../src/render/markdown.ts";
import { itemHeadline } from "../src/render/newsletter/index.ts";

const server = useOpenAIServer();
const SEED = "samples/putin-beijing.txt";

function env(extra: Record<string, string> = {}) {
  return { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY, XDG_CACHE_HOME: tempDir(), ...extra };
}

const DE = ["Putin und Xi setzen in Peking auf eine politische Lösung", "Russland und China wollen den Krieg in der Ukraine beenden", "Xi empfängt Putin: Peking will eine konstruktive Rolle spielen"];
const EN = ["Putin and Xi back a political solution in Beijing", "Russia and China say they want to end the war in Ukraine", "Xi hosts Putin as Beijing offers a constructive role"];
const options = (texts: string[]) => texts.map((text) => ({ text }));

describe("headlines task", () => {
  it("is registered beside translate and digest", () => {
    expect(Object.keys(TASKS).sort()).toEqual(["digest", "headlines", "translate"]);
  });

  it("makes one call for every language, with its own response format, and fills languages.*.headlines with text and chars", async () => {
    server.setHandler((body) => (describeRequest(body).task === "headlines" ? headlinesReply({ de: options(DE), en: options(EN) }) : fakeModel(body)));
    const result = await processArticle(seedArticle(), testPipeline(server.url, { tasks: ["headlines"] }));
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.task).toBe("headlines de,en");
    expect(request.response_format?.json_schema?.name).toBe("headlines");
    const schema = request.response_format!.json_schema!.schema as { properties: { headlines: { properties: Record<string, { minItems: number; maxItems: number }> } } };
    expect(Object.keys(schema.properties.headlines.properties).sort()).toEqual(["de", "en"]);
    expect(schema.properties.headlines.properties.de).toMatchObject({ minItems: 3, maxItems: 3 });
    // The prompt states the limit the check counts, and starts with the house prompt and the article.
    const text = request.messages.map((m) => m.content).join("\n");
    expect(text).toContain(`at most ${HEADLINE_MAX_CHARS} characters`);
    expect(text).toContain("<article>\nTitle: ");
    expect(result.languages.de!.headlines).toEqual(DE.map((t) => ({ text: t, chars: [...t].length })));
    expect(result.languages.en!.headlines).toEqual(EN.map((t) => ({ text: t, chars: [...t].length })));
    // Nothing else: no translation or digest was asked for.
    expect(result.languages.de!.title).toBeUndefined();
    expect(result.warnings).toEqual([]);
  });

  it("is cached: the same call again costs nothing, and one language of a de,en call is free too", async () => {
    const cacheFile = path.join(tempDir(), "cache.sqlite");
    await processArticle(seedArticle(), testPipeline(server.url, { tasks: ["headlines"], cacheFile }));
    expect(server.requests).toHaveLength(1);
    const again = await processArticle(seedArticle(), testPipeline(server.url, { tasks: ["headlines"], cacheFile }));
    const de = await processArticle(seedArticle(), testPipeline(server.url, { tasks: ["headlines"], cacheFile, languages: ["de"] }));
    expect(server.requests).toHaveLength(1);
    expect(again.usage).toMatchObject({ calls: 0, cacheHits: 1 });
    expect(de.usage).toMatchObject({ calls: 0, cacheHits: 1 });
    expect(de.languages.de!.headlines).toEqual(again.languages.de!.headlines);
  });

  it("repairs an answer with two options instead of three (schema), and English options for German (soft: one retry)", async () => {
    server.setHandler((body, index) => {
      if (index === 0) return headlinesReply({ de: options(DE.slice(0, 2)), en: options(EN) });
      if (index === 1) return headlinesReply({ de: options(EN), en: options(EN) });
      return headlinesReply({ de: options(DE), en: options(EN) });
    });
    const result = await processArticle(seedArticle(), testPipeline(server.url, { tasks: ["headlines"] }));
    expect(server.requests).toHaveLength(3);
    expect(server.requests[1]!.messages.at(-1)!.content).toMatch(/headlines\.de: .*3/);
    expect(server.requests[2]!.messages.at(-1)!.content).toContain("de: the headlines are in English (en), expected German (de)");
    expect(result.languages.de!.headlines!.map((h) => h.text)).toEqual(DE);
    expect(result.warnings).toEqual([]);
  });

  it("asks once more for a headline over the limit, then keeps it with a warning (soft)", async () => {
    const long = "Putin und Xi setzen bei ihrem Treffen in Peking auf eine politische Lösung für den Krieg in der Ukraine";
    expect(headlineChars(long)).toBeGreaterThan(HEADLINE_MAX_CHARS);
    server.setHandler(() => headlinesReply({ de: options([DE[0]!, long, DE[2]!]), en: options(EN) }));
    const result = await processArticle(seedArticle(), testPipeline(server.url, { tasks: ["headlines"] }));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.messages.at(-1)!.content).toContain(`de: headline 2 has ${headlineChars(long)} characters (limit ${HEADLINE_MAX_CHARS})`);
    expect(result.warnings).toEqual([`headlines de: headline 2 has ${headlineChars(long)} characters (limit ${HEADLINE_MAX_CHARS})`]);
    expect(result.languages.de!.headlines![1]).toEqual({ text: long, chars: headlineChars(long) });
  });

  it("checks: one line each, distinct, numbers from the article; counts characters as a reader does", () => {
    const article = { title: "Putin in Beijing", paragraphs: ["Putin met Xi on Thursday, May 16."], lang: "en", published: null };
    const findings = checkHeadlines(article, options(["Putin trifft Xi\nin Peking", "Putin und Xi unterzeichnen in Peking 12 Abkommen", "putin und xi unterzeichnen in peking 12 abkommen"]), "de");
    expect(findings.map((f) => `${f.severity} ${f.message}`)).toEqual([
      "hard headline 1 runs over several lines; write each on one line",
      "soft headline 3 is the same as headline 2; write three different ones",
      "soft headline 2 states the number 12, which the article does not",
      "soft headline 3 states the number 12, which the article does not",
    ]);
    expect(checkHeadlines(article, options(["Putin trifft Xi am 16. Mai in Peking", "Zwei Staatschefs, ein Ziel", "Peking empfängt Putin"]), "de")).toEqual([]);
    expect(checkHeadlines(article, options(EN), "de")).toEqual([{ severity: "soft", message: "the headlines are in English (en), expected German (de)" }]);
    expect(checkHeadlines(article, options(EN), "en")).toEqual([]);
    // A letter with its accent and an emoji with its skin tone count one each.
    expect(headlineChars("Zürich 👍🏽 «Ja»")).toBe(13);
  });

  it("applies the house style of a variant: de-CH writes no ß", async () => {
    server.setHandler(() => headlinesReply({ de: options(["Die Straße nach Peking ist offen", ...DE.slice(1)]) }));
    const result = await processArticle(seedArticle(), testPipeline(server.url, { tasks: ["headlines"], languages: ["de"], variants: ["de-CH"] }));
    expect(result.languages.de!.headlines![0]).toEqual({ text: "Die Strasse nach Peking ist offen", chars: 33 });
  });

  it("uses headlines.md from --prompts DIR, and the shipped one when the copy predates it", () => {
    const dir = promptsCopy();
    writeFileSync(path.join(dir, "headlines.md"), readFileSync(path.join(dir, "headlines.md"), "utf8").replace("different headlines", "different HEADLINES"));
    expect(headlinesPrompt(loadPromptSet(dir)).messages[0]!.content).toContain("different HEADLINES");
    rmSync(path.join(dir, "headlines.md"));
    expect(headlinesPrompt(loadPromptSet(dir)).messages[0]!.content).toContain("different headlines");
  });

  it("is shown as a Markdown section with the character counts, numbered as --headline picks them", () => {
    const result = {
      id: "a",
      source: { path: "a.txt", lang: "en", title: "Putin in Beijing", published: null, credit: null, url: null },
      languages: { de: { headlines: [{ text: "Putin trifft Xi", chars: 15 }, { text: "# Zwei Staatschefs", chars: 18 }, { text: "Peking", chars: 6 }] } },
      usage: { calls: 1, promptTokens: 0, cachedTokens: 0, completionTokens: 0, cacheHits: 0 },
      warnings: [],
    };
    expect(articleMarkdown(result, "de")).toBe("# Putin in Beijing\n\n## Schlagzeilen\n\n1. Putin trifft Xi (15 Zeichen)\n2. \\# Zwei Staatschefs (18 Zeichen)\n3. Peking (6 Zeichen)\n");
    expect(itemHeadline({ ...result.languages.de, snippet: { headline: "Snippet", teaser: "" } }, 2)).toBe("# Zwei Staatschefs");
    expect(itemHeadline({ snippet: { headline: "Snippet", teaser: "" } }, 2)).toBe("Snippet");
    expect(itemHeadline({ ...result.languages.de, snippet: { headline: "Snippet", teaser: "" } })).toBe("Snippet");
  });
});

describe("newsdesk headlines", () => {
  it("prints three options per language with their character counts, from one call", async () => {
    const result = await runCli(["headlines", SEED, "--lang", "de,en", "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    expect(server.requests.map((r) => r.task)).toEqual(["headlines de,en"]);
    expect(result.stdout).toMatch(/^<!-- [a-z0-9-]+ de -->\n# Putin signals willingness/);
    expect(result.stdout).toContain("## Schlagzeilen\n\n1. Die Beteiligten wollen die Gespräche über die Lage fortsetzen (61 Zeichen)\n2. ");
    expect(result.stdout).toContain("## Headline options\n\n1. Those involved want to continue the talks on the situation (58 characters)\n2. ");
    expect(result.stdout.match(/^\d\. .* \(\d+ (Zeichen|characters)\)$/gm)).toHaveLength(6);
  });

  it("stores languages.<lang>.headlines in the result file, beside what run wrote", async () => {
    const out = tempDir();
    const cache = path.join(tempDir(), "cache.sqlite");
    expect((await runCli(["summarize", SEED, "--out", out, "--cache", cache], { env: env() })).code).toBe(0);
    expect((await runCli(["headlines", SEED, "--out", out, "--cache", cache], { env: env() })).code).toBe(0);
    const id = seedArticle().id;
    const file = JSON.parse(readFileSync(path.join(out, `${id}.json`), "utf8"));
    expect(file.languages.de.summary).toBeTruthy();
    expect(file.languages.de.headlines).toHaveLength(3);
    expect(file.languages.de.headlines[0]).toEqual({ text: "Die Beteiligten wollen die Gespräche über die Lage fortsetzen", chars: 61 });
    expect(readFileSync(path.join(out, `${id}.en.md`), "utf8")).toMatch(/## Summary[\s\S]*## Headline options\n\n1\. /);
    // What made it is recorded: the headlines prompt file's hash beside the shared ones.
    expect(Object.keys(file.provenance.prompts).sort()).toEqual(["digest", "headlines", "house", "translate"]);
  });

  it("--dry-run plans one headlines call per article through the pipeline, and knows the cache", async () => {
    const cache = path.join(tempDir(), "cache.sqlite");
    const plan = await runCli(["headlines", SEED, "--dry-run", "--cache", cache], { env: { XDG_CACHE_HOME: tempDir() } });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/calls: 1 \(1 headlines\), cache hits: 0/);
    expect((await runCli(["headlines", SEED, "--jsonl", "--cache", cache], { env: env() })).code).toBe(0);
    const again = await runCli(["headlines", SEED, "--lang", "de", "--dry-run", "--cache", cache], { env: { XDG_CACHE_HOME: tempDir() } });
    expect(again.stdout).toMatch(/calls: 0.*cache hits: 1/);
  });

  it("newsletter --headline N uses option N as the item's headline (N from 1 to 3)", async () => {
    const cache = path.join(tempDir(), "cache.sqlite");
    expect((await runCli(["headlines", SEED, "--lang", "de,en", "--cache", cache], { env: env() })).code).toBe(0);
    server.requests.length = 0;
    const md = await runCli(["newsletter", SEED, "--lang", "de", "--headline", "2", "--cache", cache], { env: env() });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("### Neue Entwicklung: Was die Lage für die kommenden Wochen bedeutet\n");
    // The headlines were cached per language by the de,en call: only the digest is asked for.
    expect(server.requests.map((r) => r.task)).toEqual(["digest de"]);
    const plain = await runCli(["newsletter", SEED, "--lang", "de", "--cache", cache], { env: env() });
    expect(plain.stdout).toContain("### Neue Entwicklung in der Lage\n");
    const bad = await runCli(["newsletter", SEED, "--headline", "4", "--cache", cache], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected a whole number from 1 to 3");
  });
});
