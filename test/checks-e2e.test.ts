// Wrong answers on purpose, through the real client and the whole pipeline: each must show the
// retry or the warning an editor would see.
import { describeError } from "../src/core/errors.ts";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Handler } from "./support/openai-server.ts";
import { useOpenAIServer } from "./support/use-server.ts";
import { describeRequest, digestReply, fakeModel, translationReply } from "./support/fake-model.ts";
import { ROOT, registerSeedTranslation, seedArticle, testPipeline } from "./support/setup.ts";
import { processArticle } from "../src/run/pipeline.ts";
import { InvalidAnswerError } from "../src/core/errors.ts";

const GOOD_DE: { title: string; paragraphs: string[] } = JSON.parse(readFileSync(path.join(ROOT, "test/fixtures/putin-beijing.de.json"), "utf8"));
registerSeedTranslation();
const server = useOpenAIServer();

/** Answers translations with `wrong(n)` for the n-th translate request, digests as the fake model. */
function translations(wrong: (n: number) => { title: string; paragraphs: string[] }): Handler {
  let n = 0;
  return (body) => (describeRequest(body).task === "translate" ? translationReply(wrong(n++)) : fakeModel(body));
}

function repairPrompts(): string[] {
  return server.requests.filter((r) => r.messages.at(-1)!.content.startsWith("Your answer cannot be used")).map((r) => r.messages.at(-1)!.content);
}

const withParagraph = (i: number, text: string) => ({ ...GOOD_DE, paragraphs: GOOD_DE.paragraphs.map((p, j) => (j === i ? text : p)) });

describe("hard checks are repaired", () => {
  it("English where German was asked gets a repair naming the language", async () => {
    const article = seedArticle();
    server.setHandler(translations((n) => (n === 0 ? { title: article.title, paragraphs: article.paragraphs } : GOOD_DE)));
    const result = await processArticle(article, testPipeline(server.url));
    expect(repairPrompts()).toHaveLength(1);
    expect(repairPrompts()[0]).toMatch(/the translation is in English \(en\), expected German \(de\)/);
    expect(result.languages.de!.paragraphs).toEqual(GOOD_DE.paragraphs);
    expect(result.warnings).toEqual([]);
  });

  it("a dropped paragraph gets a repair naming it", async () => {
    server.setHandler(translations((n) => (n === 0 ? { ...GOOD_DE, paragraphs: GOOD_DE.paragraphs.filter((_, j) => j !== 3) } : GOOD_DE)));
    const result = await processArticle(seedArticle(), testPipeline(server.url));
    expect(repairPrompts()[0]).toMatch(/paragraph 4 is missing \(source has 12, translation 11\)/);
    expect(result.languages.de!.paragraphs).toHaveLength(12);
  });

  it("fails the article when the model keeps dropping a paragraph", async () => {
    server.setHandler(translations(() => ({ ...GOOD_DE, paragraphs: GOOD_DE.paragraphs.slice(0, 11) })));
    const error = await processArticle(seedArticle(), testPipeline(server.url)).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect(describeError(error)).toMatch(/^translate de: answer still invalid after 2 repairs: .*paragraph 12 is missing/);
  });

  it("commentary around the translation is a hard problem", async () => {
    server.setHandler(translations((n) => (n === 0 ? withParagraph(0, `Hier ist die Übersetzung: ${GOOD_DE.paragraphs[0]}`) : GOOD_DE)));
    const result = await processArticle(seedArticle(), testPipeline(server.url));
    expect(repairPrompts()[0]).toMatch(/paragraph 1 contains/);
    expect(result.languages.de!.paragraphs![0]).toBe(GOOD_DE.paragraphs[0]);
  });
});

describe("soft checks get one retry, then become warnings", () => {
  it("a changed number", async () => {
    server.setHandler(translations(() => withParagraph(3, GOOD_DE.paragraphs[3]!.replace("Zwölf-Punkte-Plan", "Zehn-Punkte-Plan"))));
    const result = await processArticle(seedArticle(), testPipeline(server.url));
    expect(repairPrompts()).toHaveLength(1);
    // The joint call, then the translation's one retry alone.
    expect(result.usage.calls).toBe(2);
    expect(result.warnings.join("\n")).toMatch(/translate de: number 12 .*missing/);
  });

  it("a missing name", async () => {
    server.setHandler(translations(() => withParagraph(11, GOOD_DE.paragraphs[11]!.replace(/Harbin/g, "der Stadt"))));
    const result = await processArticle(seedArticle(), testPipeline(server.url));
    expect(result.warnings.join("\n")).toMatch(/name "Harbin" from the source is missing/);
  });

  it("a glossary term ignored", async () => {
    server.setHandler(translations(() => withParagraph(2, GOOD_DE.paragraphs[2]!.replace("UN-Sicherheitsrat", "Sicherheitsrat der Vereinten Nationen"))));
    const result = await processArticle(seedArticle(), testPipeline(server.url));
    expect(result.warnings.join("\n")).toMatch(/translate de: "UN-Sicherheitsrat" expected for "UN Security Council"/);
    // The model was told the desk's term in the first place.
    const task = server.requests.find((r) => describeRequest(r).task === "translate")!;
    expect(task.messages.at(-1)!.content).toMatch(/Terms: .*UN Security Council -> UN-Sicherheitsrat/);
  });

  it("two forms of one name in one article", async () => {
    server.setHandler(translations(() => withParagraph(1, GOOD_DE.paragraphs[1]!.replace("Peking", "Beijing"))));
    const result = await processArticle(seedArticle(), testPipeline(server.url));
    expect(result.warnings.join("\n")).toMatch(/names mixed: both "Beijing" and "Peking" are used; keep "Peking"/);
  });

  it("an overlong summary", async () => {
    const long = Array.from({ length: 90 }, (_, i) => (i % 9 === 8 ? "Gespräche." : "Peking")).join(" ");
    server.setHandler((body) => {
      if (describeRequest(body).task !== "digest") return fakeModel(body);
      const reply = fakeModel(body) as ReturnType<typeof digestReply>;
      reply.json.digest.de.summary = long;
      return reply;
    });
    const result = await processArticle(seedArticle(), testPipeline(server.url));
    expect(result.warnings.join("\n")).toMatch(/digest de: the summary has 90 words \(limit 60\)/);
  });
});

describe("deterministic fixes cost no call", () => {
  it('de-CH output never holds "ß" and uses «»', async () => {
    server.setHandler(translations(() => withParagraph(2, `${GOOD_DE.paragraphs[2]} Die Straße war gesperrt, hieß es.`)));
    const result = await processArticle(seedArticle(), testPipeline(server.url, { variants: ["de-CH"] }));
    // The one joint call: no retry for what code sets.
    expect(result.usage.calls).toBe(1);
    const text = JSON.stringify(result.languages.de);
    expect(text).not.toMatch(/ß/);
    expect(text).toContain("Strasse");
    expect(text).toContain("«Beide Seiten");
  });
});
