// --formality formal|informal: the German register goes into the translate and digest prompts, and
// a check flags narrative text in the other register (outside quotations) as a soft finding with
// one repair. English is unaffected; without a setting nothing changes.
import type { PlannedCall } from "../src/tasks/index.ts";
import { describe, expect, it } from "vitest";
import path from "node:path";
import { useOpenAIServer } from "./support/use-server.ts";
import { partsOf, describeRequest, digestReply, fakeDigest, fakeModel, translationReply } from "./support/fake-model.ts";
import { SECRET_KEY, tempDir, testPipeline } from "./support/setup.ts";
import { runCli } from "./support/cli.ts";
import { processArticle } from "../src/run/pipeline.ts";
import { checkTranslation, narrativeText, registerFindings, registerHits } from "../src/checks/index.ts";
import { formalityFor, parseFormality } from "../src/core/formality.ts";
import { writeFileSync } from "node:fs";
import type { Article } from "../src/core/types.ts";
import type { ChatRequestBody } from "./support/openai-server.ts";

const server = useOpenAIServer();

const STORY: Article = {
  id: "winter-tips-0123456789",
  title: "How to keep warm this winter",
  published: null,
  credit: null,
  lang: "en",
  url: null,
  source: { path: "winter.txt" },
  paragraphs: [
    "The city has opened three warm rooms for the cold weeks, the council said on Monday.",
    "\"You are not alone, come in,\" said the mayor at the opening in the town hall.",
    "Anyone who needs help can call the hotline on weekdays.",
  ],
};

const DU = {
  title: "So bleibst du diesen Winter warm",
  paragraphs: [
    "Die Stadt hat für die kalten Wochen drei Wärmestuben eröffnet, wie der Stadtrat am Montag mitteilte.",
    "„Du bist nicht allein, komm herein“, sagte die Bürgermeisterin bei der Eröffnung im Rathaus.",
    "Wenn du Hilfe brauchst, kannst du werktags die Hotline anrufen.",
  ],
};
const SIE = {
  title: "So bleiben Sie diesen Winter warm",
  paragraphs: [
    DU.paragraphs[0]!,
    DU.paragraphs[1]!, // the mayor's own words keep her "du"
    "Wer Hilfe braucht, kann werktags die Hotline anrufen.",
  ],
};

/** Translations in turn: answers[n] for the n-th German translation call. */
function translations(...answers: { title: string; paragraphs: string[] }[]) {
  let n = 0;
  return (body: ChatRequestBody) => {
    const info = describeRequest(body);
    if (info.task === "translate" && info.target?.startsWith("de")) return translationReply(answers[Math.min(n++, answers.length - 1)]);
    return fakeModel(body);
  };
}

/** The requests that asked for `task`, alone or as a part of a joint call. */
const calls = (task: string) => server.requests.filter((r) => (partsOf(r).length ? partsOf(r).some((p) => p.startsWith(`${task} `)) : describeRequest(r).task === task));

describe("the register check", () => {
  it("finds informal address outside quotations under formal, and formal address under informal", () => {
    expect(registerHits("Wenn du mehr wissen willst, lies weiter.", "formal").map((h) => h.word)).toEqual(["du", "willst"]);
    expect(registerHits("Das betrifft euch und eure Kinder; ihr seid gefragt.", "formal").map((h) => h.word)).toEqual(["euch", "eure", "ihr seid"]);
    expect(registerHits("Lesen Sie hier, was das für Ihre Familie bedeutet.", "informal").map((h) => h.word)).toEqual(["Sie", "Ihre"]);
    expect(registerHits("Wenn du mehr wissen willst, lies weiter.", "informal")).toEqual([]);
    expect(registerHits("Lesen Sie hier.", "formal")).toEqual([]);
  });

  it("leaves quotations alone: „…“, «…», »…«, “…” and \"…\", also a quotation running on to the paragraph's end", () => {
    for (const text of [
      "Sie sagte: „Du bist nicht allein, ihr seid viele.“ Dann ging sie.",
      "«Hast du Zeit?», fragte er.",
      "Er rief: »Komm, du schaffst das!«",
      "He wrote “du bist dran” on the wall.",
      'Er sagte "du bist dran" und ging.',
      "Der Minister sagte: „Wenn du das liest, weisst du, was auf dem Spiel steht.",
    ]) {
      expect(registerHits(text, "formal")).toEqual([]);
    }
    expect(registerHits("«Haben Sie Zeit?», fragte er.", "informal")).toEqual([]);
    expect(narrativeText("a „b“ c")).toBe("a     c");
  });

  it("does not take she/they/her for the reader: a capitalised Sie or Ihr at a sentence start is not flagged", () => {
    expect(registerHits("Sie sagte, dass sie kommt. Ihr Mann blieb zu Hause.", "informal")).toEqual([]);
    expect(registerHits("Die Ministerin kam. Sie sprach von Ihnen.", "informal").map((h) => h.word)).toEqual(["Ihnen"]);
    // A French name particle is not German "du"; German words that look alike are not verbs ("in aller Hast").
    expect(registerHits("Die Artisten des Cirque du Soleil traten in aller Hast auf.", "formal")).toEqual([]);
  });

  it("is one soft finding naming the words, the places and the register", () => {
    const findings = registerFindings([["the title", DU.title], ["paragraph 2", DU.paragraphs[1]!], ["paragraph 3", DU.paragraphs[2]!]], "formal");
    expect(findings).toEqual([
      {
        check: "register",
        severity: "soft",
        message: 'the title and paragraph 3 address the reader informally ("du", "kannst") outside quotations; the desk\'s register is formal ("Sie"): "So bleibst du diesen Winter warm"',
      },
    ]);
    // bleibst is a verb form the check does not list: "du" finds the sentence anyway.
  });

  it("runs only with a register, and only for German", () => {
    const input = { source: { title: STORY.title, paragraphs: STORY.paragraphs, lang: "en" }, output: DU, target: "de" };
    expect(checkTranslation(input).filter((f) => f.check === "register")).toEqual([]);
    expect(checkTranslation({ ...input, formality: "formal" }).filter((f) => f.check === "register")).toHaveLength(1);
    expect(formalityFor("formal", "en")).toBeNull();
    expect(formalityFor("formal", "de-CH")).toBe("formal");
    expect(formalityFor({ "de-CH": "informal", de: "formal" }, "de-CH")).toBe("informal");
    expect(formalityFor({ "de-CH": "informal", de: "formal" }, "de-DE")).toBe("formal");
    expect(formalityFor({ "de-CH": "informal" }, "de")).toBeNull();
    expect(parseFormality("de-ch=informal, de=formal")).toEqual({ "de-CH": "informal", de: "formal" });
    expect(() => parseFormality("polite")).toThrow(/expected formal, informal or a list/);
    expect(() => parseFormality("en=formal")).toThrow(/en has no register/);
  });
});

describe("--formality in the pipeline", () => {
  it("a du-text under formal gets a finding and a repair request naming it; the repaired text has no warning", async () => {
    server.setHandler(translations(DU, SIE));
    const result = await processArticle(STORY, testPipeline(server.url, { languages: ["de"], tasks: ["translate"], formality: "formal" }));
    expect(calls("translate")).toHaveLength(2);
    const repair = calls("translate")[1]!.messages.at(-1)!.content;
    expect(repair).toMatch(/^Your answer cannot be used:/);
    expect(repair).toContain('the title and paragraph 3 address the reader informally ("du", "kannst") outside quotations; the desk\'s register is formal ("Sie")');
    expect(result.languages.de!.title).toBe(SIE.title);
    // The mayor's "du" inside the quotation is kept and not reported.
    expect(result.languages.de!.paragraphs![1]).toContain("„Du bist nicht allein");
    expect(result.warnings).toEqual([]);
  });

  it("one repair only: a text that stays informal is kept with a warning", async () => {
    server.setHandler(translations(DU));
    const result = await processArticle(STORY, testPipeline(server.url, { languages: ["de"], tasks: ["translate"], formality: "formal" }));
    expect(calls("translate")).toHaveLength(2);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^translate de: the title and paragraph 3 address the reader informally/);
  });

  it("a du inside a quotation only: one call, no finding", async () => {
    server.setHandler(translations(SIE));
    const result = await processArticle(STORY, testPipeline(server.url, { languages: ["de"], tasks: ["translate"], formality: "formal" }));
    expect(calls("translate")).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });

  it("puts the register into the German prompts (translate and digest), not into the English ones", async () => {
    await processArticle(STORY, testPipeline(server.url, { languages: ["de", "en"], formality: "formal" }));
    const translate = calls("translate")[0]!.messages.at(-1)!.content;
    expect(translate).toContain('- Register: address the reader formally ("Sie", "Ihnen", "Ihr")');
    const digest = calls("digest")[0]!.messages.at(-1)!.content;
    expect(digest).toContain("- de: Register: address the reader formally");
    expect(digest).not.toContain("en: Register");
  });

  it("English is unaffected: same request and key as without --formality, and no check", async () => {
    const german: Article = { ...STORY, lang: "de", title: DU.title, paragraphs: DU.paragraphs };
    const plain = testPipeline(server.url, { languages: ["en"], tasks: ["translate", "digest"] }).plan(german);
    const formal = testPipeline(server.url, { languages: ["en"], tasks: ["translate", "digest"], formality: "formal" }).plan(german);
    expect(formal.map((c) => c.request.key)).toEqual(plain.map((c) => c.request.key));
    expect(formal.map((c) => c.request.messages)).toEqual(plain.map((c) => c.request.messages));
  });

  it("without --formality nothing changes: same keys, no register check on a du-text", async () => {
    const keys = (calls: PlannedCall[]) => calls.flatMap((c) => c.members ?? [c]).map((c) => c.request.key);
    const plain = keys(testPipeline(server.url).plan(STORY));
    const informal = keys(testPipeline(server.url, { formality: "informal" }).plan(STORY));
    expect(informal).not.toEqual(plain);
    expect(new Set([...plain, ...informal]).size).toBe(4);
    server.setHandler(translations(DU));
    const result = await processArticle(STORY, testPipeline(server.url, { languages: ["de"], tasks: ["translate"] }));
    expect(calls("translate")).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });

  it("checks the digest too: under informal, a teaser that says „lesen Sie hier“ is repaired", async () => {
    let n = 0;
    server.setHandler((body) => {
      const info = describeRequest(body);
      const digest = fakeDigest(info) as Record<string, { snippet: { teaser: string } }>;
      if (n++ > 0) digest.de!.snippet.teaser = "Die Beteiligten wollen weiter verhandeln. Was das für die kommenden Wochen bedeutet, liest du hier.";
      return digestReply(digest);
    });
    const result = await processArticle(STORY, testPipeline(server.url, { languages: ["de", "en"], tasks: ["digest"], formality: "informal" }));
    expect(calls("digest")).toHaveLength(2);
    expect(calls("digest")[1]!.messages.at(-1)!.content).toContain('de: the teaser addresses the reader formally ("Sie") outside quotations; the desk\'s register is informal ("du")');
    expect(result.languages.de!.snippet!.teaser).toMatch(/liest du hier/);
    // The English teaser ("Read here") is not judged.
    expect(result.warnings).toEqual([]);
  });

  it("per variant: de-CH informal while German elsewhere is formal", async () => {
    const pipeline = testPipeline(server.url, { languages: ["de"], variants: ["de-CH"], tasks: ["translate"], formality: { "de-CH": "informal", de: "formal" } });
    await processArticle(STORY, pipeline);
    expect(calls("translate")[0]!.messages.at(-1)!.content).toContain("- Register: address the reader informally");
  });
});

describe("newsdesk --formality (CLI)", () => {
  const env = (extra: Record<string, string> = {}) => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY, XDG_CACHE_HOME: tempDir(), ...extra });

  function storyFile(): string {
    const file = path.join(tempDir(), "winter.txt");
    writeFileSync(file, [STORY.title, "", ...STORY.paragraphs.flatMap((p) => [p, ""])].join("\n"));
    return file;
  }

  it("translate --formality formal: the du-text gets its repair, and a warning when it stays", async () => {
    server.setHandler(translations(DU));
    const result = await runCli(["translate", storyFile(), "--to", "de", "--formality", "formal", "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    expect(calls("translate")).toHaveLength(2);
    expect(result.stderr).toMatch(/warning: .*winter\.txt: 1 warning: translate de: the title and paragraph 3 address the reader informally/);
  });

  it("$NEWSDESK_FORMALITY is the desk's default; a bad value is a usage error", async () => {
    server.setHandler(translations(SIE));
    const ok = await runCli(["translate", storyFile(), "--to", "de", "--no-cache"], { env: env({ NEWSDESK_FORMALITY: "de=formal" }) });
    expect(ok.code).toBe(0);
    expect(calls("translate")[0]!.messages.at(-1)!.content).toContain("Register: address the reader formally");
    const bad = await runCli(["translate", storyFile(), "--to", "de", "--formality", "polite"], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected formal, informal or a list such as de-CH=informal,de=formal/);
  });
});
