// The review desk's HTTP API without a browser: queue, article view, review records, the writer
// keeping approved edits over a re-run, model help through the library, export, and safety
// (path traversal, token, Host, CSRF, fuzz).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import http from "node:http";
import net from "node:net";
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { useOpenAIServer } from "./support/use-server.ts";
import { tempDir, testPipeline } from "./support/setup.ts";
import { channelsOf, deskFormality, exportNewsletter, startReviewServer, type ReviewServer } from "../src/serve/index.ts";
import type { ArticleResult } from "../src/core/types.ts";
import { processArticle } from "../src/run/pipeline.ts";
import { writeResultFiles } from "../src/render/files.ts";
import { Cache } from "../src/core/cache.ts";
import { fixtureArticles, GERMAN_CHANNELS, makeResults, modelWithWarning, XSS } from "./serve-fixtures.ts";

const model = useOpenAIServer({ handler: modelWithWarning });

let desk: ReviewServer;
let dir: string;
let ids: Awaited<ReturnType<typeof makeResults>>["ids"];
let csrf: string;
let origin: string;
const cacheFile = path.join(tempDir(), "cache.sqlite");

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string; json: any }

/** One raw HTTP request (any method, path and headers), so nothing is normalised on the way. */
function request(
  method: string,
  target: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; port?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: options.port ?? desk.port, method, path: target, headers: options.headers, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => {
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A POST as the desk's own page sends it: JSON, the token header, the same origin. */
function post(target: string, body: unknown, headers: Record<string, string> = {}) {
  return request("POST", target, {
    headers: { "content-type": "application/json", "x-newsdesk-token": csrf, origin, ...headers },
    body: JSON.stringify(body),
  });
}

/**
 * A results folder of its own with a desk over it (the shared folder's German story stays
 * unreviewed for the tests that need it), and a review request as the page sends it.
 */
async function ownDesk() {
  const own = await makeResults(model.url);
  const server = await startReviewServer({ dir: own.dir, port: 0 });
  const port = server.port;
  const token = /name="newsdesk-token" content="([^"]+)"/.exec((await request("GET", "/", { port })).body)![1]!;
  const review = (id: string, body: unknown) =>
    request("POST", `/api/articles/${id}/review`, {
      port,
      headers: { "content-type": "application/json", "x-newsdesk-token": token, origin: `http://127.0.0.1:${port}` },
      body: JSON.stringify(body),
    });
  return { ...own, server, port, review };
}

beforeAll(async () => {
  ({ dir, ids } = await makeResults(model.url));
  desk = await startReviewServer({
    dir,
    port: 0,
    pipeline: () => testPipeline(model.url, { cache: new Cache(cacheFile) }),
    model: "gpt-4o-mini",
  });
  origin = `http://127.0.0.1:${desk.port}`;
  const page = await request("GET", "/");
  csrf = /name="newsdesk-token" content="([^"]+)"/.exec(page.body)![1]!;
});
afterAll(() => desk?.close());

describe("queue and article", () => {
  test("every article, open warnings on top, then newest first, with counts", async () => {
    const { status, json } = await request("GET", "/api/articles");
    expect(status).toBe(200);
    expect(json.items.map((i: any) => i.id)).toEqual([ids.warned, ids.german, expect.any(String), ids.plain, ids.hostile]);
    expect(json.items[0].openWarnings).toBe(1);
    expect(json.counts).toMatchObject({ all: 5, warnings: 1, unreviewed: 5, "in-review": 0, approved: 0 });
    expect(json.items.find((i: any) => i.id === ids.german).sourceLang).toBe("de");
  });

  test("a warning is placed at the paragraph it names", async () => {
    const { json } = await request("GET", `/api/articles/${ids.warned}`);
    expect(json.warnings).toEqual([
      expect.objectContaining({ task: "translate", lang: "de", paragraph: 2, resolved: false, reason: expect.stringContaining("from paragraph 3 is missing") }),
    ]);
    expect(json.sourceKey).toBe("en");
    // The result records what made it: the model, the prompt files' hashes and the glossary.
    expect(json.provenance.missing).toEqual([]);
    expect(json.provenance.model).toBe("test-model");
    expect(Object.keys(json.provenance.prompts).sort()).toEqual(["digest", "house", "translate"]);
    // Priced at the recorded model (which has no price here), not at an assumed one.
    expect(json.provenance.cost).toMatchObject({ model: "test-model", known: false, assumedModel: false });
    expect(json.etag).toMatch(/^[a-f0-9]{64}$/);
  });

  test("responses carry a strict content security policy", async () => {
    const page = await request("GET", "/");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect(page.body).not.toContain("__CSRF_TOKEN__");
  });
});

describe("review", () => {
  test("save records each edit with its value before; approve checks the limits and sets the disclosure", async () => {
    const before = await request("GET", `/api/articles/${ids.plain}`);
    const points: string[] = before.json.result.languages.de.keyPoints;
    const saved = await post(`/api/articles/${ids.plain}/review`, {
      etag: before.json.etag,
      editor: "Anna Keller",
      action: "save",
      changes: [
        { field: "languages.de.keyPoints", value: ["Geprüft: die Stadt zahlt den Rest.", ...points.slice(1)] },
        { field: "languages.de.summary", value: before.json.result.languages.de.summary }, // unchanged: no edit
      ],
    });
    expect(saved.status).toBe(200);
    expect(saved.json.result.review).toMatchObject({
      status: "in-review",
      editor: "Anna Keller",
      edits: [{ field: "languages.de.keyPoints", before: points, after: ["Geprüft: die Stadt zahlt den Rest.", ...points.slice(1)] }],
    });
    expect(readFileSync(path.join(dir, `${ids.plain}.de.md`), "utf8")).toContain("Geprüft: die Stadt zahlt den Rest.");

    // A save over an older version is refused.
    const stale = await post(`/api/articles/${ids.plain}/review`, { etag: before.json.etag, editor: "B", action: "save", changes: [] });
    expect(stale.status).toBe(409);

    // Limits: two key points cannot be approved.
    const tooFew = await post(`/api/articles/${ids.plain}/review`, {
      etag: saved.json.etag,
      editor: "Anna Keller",
      action: "approve",
      changes: [{ field: "languages.de.keyPoints", value: points.slice(0, 2) }],
    });
    expect(tooFew.status).toBe(422);
    expect(tooFew.json.error).toContain("de: 2 key points");

    const approved = await post(`/api/articles/${ids.plain}/review`, { etag: saved.json.etag, editor: "Anna Keller", action: "approve", changes: [] });
    expect(approved.status).toBe(200);
    const file = JSON.parse(readFileSync(path.join(dir, `${ids.plain}.json`), "utf8"));
    expect(file.review.status).toBe("approved");
    expect(file.disclosure).toBe("AI-assisted, reviewed by Anna Keller");
    expect(readFileSync(path.join(dir, `${ids.plain}.json`), "utf8")).toBe(JSON.stringify(file, null, 2) + "\n");
  });

  test("paragraphs, titles and snippets are edited in place; an edit after approval takes the approval back", async () => {
    const { json } = await request("GET", `/api/articles/${ids.hostile}`);
    const de = json.result.languages.de;
    const saved = await post(`/api/articles/${ids.hostile}/review`, {
      etag: json.etag,
      editor: "Marco Rossi",
      action: "approve",
      changes: [
        { field: "languages.de.paragraphs.1", value: "  Ein neuer zweiter Absatz.  " },
        { field: "languages.de.title", value: "Neuer\nTitel" },
        { field: "languages.de.snippet.teaser", value: "Ein neuer Teaser." },
      ],
    });
    expect(saved.status).toBe(200);
    const after = saved.json.result.languages.de;
    expect(after.paragraphs).toEqual([de.paragraphs[0], "Ein neuer zweiter Absatz.", ...de.paragraphs.slice(2)]);
    expect(after.title).toBe("Neuer Titel");
    expect(after.snippet).toEqual({ headline: de.snippet.headline, teaser: "Ein neuer Teaser." });
    expect(saved.json.result.review.status).toBe("approved");
    expect(saved.json.result.review.edits.map((e: any) => e.field)).toEqual([
      "languages.de.paragraphs.1",
      "languages.de.title",
      "languages.de.snippet.teaser",
    ]);
    const edited = await post(`/api/articles/${ids.hostile}/review`, {
      etag: saved.json.etag,
      editor: "Marco Rossi",
      action: "save",
      changes: [{ field: "languages.en.snippet.headline", value: "Changed after approval" }],
    });
    expect(edited.json.result.review.status).toBe("in-review");
    expect(edited.json.result.disclosure).toBeUndefined();
  });

  test("fields that do not exist, wrong types and bad editors are refused", async () => {
    const { json } = await request("GET", `/api/articles/${ids.german}`);
    for (const body of [
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.fr.summary", value: "x" }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.paragraphs.99", value: "x" }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.keyPoints", value: "x" }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "source.path", value: "/etc/passwd" }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "__proto__.polluted", value: "x" }] },
      // Channel texts: only the four fields, each a string; headline options are read-only.
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.channels.push", value: ["x"] }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.channels.email", value: "x" }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.channels.__proto__", value: "x" }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.channels", value: "x" }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.headlines", value: ["x", "y", "z"] }] },
      { etag: json.etag, editor: "A", action: "save", changes: [{ field: "languages.de.headlines.0.text", value: "x" }] },
      { etag: json.etag, editor: "A\nB", action: "save", changes: [] },
      { etag: json.etag, editor: "A", action: "publish", changes: [] },
    ]) {
      const answer = await post(`/api/articles/${ids.german}/review`, body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
    }
    expect(({} as any).polluted).toBeUndefined();
    // A result made without --channels has no channel texts to edit: none is added.
    const warned = await request("GET", `/api/articles/${ids.warned}`);
    const added = await post(`/api/articles/${ids.warned}/review`, {
      etag: warned.json.etag,
      editor: "A",
      action: "save",
      changes: [{ field: "languages.de.channels.push", value: "x" }],
    });
    expect(added.status).toBe(422);
    expect(added.json.error).toBe("languages.de.channels.push: the result has no such field");
  });

  test("channel texts are edited like the digest, held to their limits, and kept over a re-run", async () => {
    const own = await ownDesk();
    const id = own.ids.german;
    try {
      const port = own.port;
      const save = (body: unknown) => own.review(id, body);
      const { json } = await request("GET", `/api/articles/${id}`, { port });
      expect(json.limits.channelChars).toEqual({ push: 110, social: 280, seoTitle: 60, seoDescription: 155 });
      const de = json.result.languages.de;
      expect(Object.keys(de.channels)).toEqual(["push", "social", "seoTitle", "seoDescription"]);
      expect(de.headlines).toHaveLength(3);

      const changes = [
        { field: "languages.de.channels.push", value: "  Neu:\n <b>Fähre</b> fährt wieder  " },
        { field: "languages.de.channels.social", value: "Zeile eins\nZeile zwei " },
        { field: "languages.en.channels.seoDescription", value: json.result.languages.en.channels.seoDescription }, // unchanged: no edit
      ];
      const saved = await save({ etag: json.etag, editor: "Lena Huber", action: "save", changes });
      expect(saved.status).toBe(200);
      // Push, SEO title and description stay one line; a social post keeps its line break.
      expect(saved.json.result.languages.de.channels).toMatchObject({ push: "Neu: <b>Fähre</b> fährt wieder", social: "Zeile eins\nZeile zwei" });
      expect(saved.json.result.review.edits).toEqual([
        expect.objectContaining({ field: "languages.de.channels.push", before: de.channels.push, after: "Neu: <b>Fähre</b> fährt wieder", editor: "Lena Huber" }),
        expect.objectContaining({ field: "languages.de.channels.social", before: de.channels.social, after: "Zeile eins\nZeile zwei" }),
      ]);
      // The Markdown file is written again from the edited texts, escaped as every text is.
      const markdown = readFileSync(path.join(own.dir, `${id}.de.md`), "utf8");
      expect(markdown).toContain("Neu: &lt;b\\>Fähre&lt;/b\\> fährt wieder");
      expect(markdown).not.toContain("<b>");

      // A channel text over its limit cannot be approved (61 characters; the SEO title has 60).
      const long = "x".repeat(61);
      const refused = await save({ etag: saved.json.etag, editor: "Lena Huber", action: "approve", changes: [{ field: "languages.de.channels.seoTitle", value: long }] });
      expect(refused.status).toBe(422);
      expect(refused.json.error).toBe("cannot approve: de: the SEO title (seoTitle) has 61 characters (at most 60)");
      const approved = await save({
        etag: saved.json.etag,
        editor: "Lena Huber",
        action: "approve",
        changes: [{ field: "languages.de.channels.seoTitle", value: ` ${"x".repeat(60)} ` }],
      });
      expect(approved.status).toBe(200);
      expect(approved.json.result.review.status).toBe("approved");

      // `run --channels push,social,seo --out` again: the file keeps the edited texts, the new answer beside them.
      const pipeline = testPipeline(model.url, { channels: [...GERMAN_CHANNELS] });
      const rerun = await processArticle(fixtureArticles()[4]!, pipeline);
      pipeline.options.cache?.close();
      writeResultFiles(own.dir, rerun);
      const file = JSON.parse(readFileSync(path.join(own.dir, `${id}.json`), "utf8"));
      expect(file.review.status).toBe("approved");
      expect(file.languages.de.channels.push).toBe("Neu: <b>Fähre</b> fährt wieder");
      expect(file.languages.de.channels.seoTitle).toBe("x".repeat(60));
      expect(file.languages.de.headlines).toEqual(de.headlines);
      expect(file.review.modelAnswer.languages.de.channels.push).toBe(de.channels.push);
    } finally {
      await own.server.close();
    }
  });

  test("a re-run keeps the approved edit and stores the new model answer beside it", async () => {
    const article = fixtureArticles()[1]!;
    const pipeline = testPipeline(model.url);
    const result = await processArticle(article, pipeline);
    expect(result.id).toBe(ids.plain);
    writeResultFiles(dir, result);
    const file = JSON.parse(readFileSync(path.join(dir, `${ids.plain}.json`), "utf8"));
    expect(file.review.status).toBe("approved");
    expect(file.languages.de.keyPoints[0]).toBe("Geprüft: die Stadt zahlt den Rest.");
    expect(file.review.modelAnswer.languages.de.keyPoints[0]).toBe(result.languages.de!.keyPoints![0]);
    expect(file.review.modelAnswer.at).toMatch(/^\d{4}-/);
    expect(readFileSync(path.join(dir, `${ids.plain}.de.md`), "utf8")).toContain("Geprüft: die Stadt zahlt den Rest.");
    pipeline.options.cache?.close();
  });
});

describe("model help", () => {
  test("retranslating a paragraph is one call with the article as context, then cached", async () => {
    const first = await post(`/api/articles/${ids.warned}/retranslate`, { lang: "de", paragraph: 2 });
    expect(first.status).toBe(200);
    expect(first.json.value).toMatch(/^Neu übersetzt: Im Abschnitt 1 .*100,000/);
    expect(first.json.warnings).toEqual([]);
    // The whole article was in the prompt, the task asked for paragraph 3.
    expect(model.requests[0]!.messages.map((m) => m.content).join("\n")).toMatch(/\n6 [\s\S]*Task: translate only paragraph \[3\]/);
    expect(first.json.usage.calls).toBe(1);
    expect(model.requests).toHaveLength(1);
    // The same first bytes as the article's other calls: the house prompt with the whole article.
    expect(model.requests[0]!.messages[0]!.content).toContain("You edit for a German/English news agency");
    const again = await post(`/api/articles/${ids.warned}/retranslate`, { lang: "de", paragraph: 2 });
    expect(again.json.usage).toMatchObject({ calls: 0, cacheHits: 1 });
    expect(model.requests).toHaveLength(1);

    expect((await post(`/api/articles/${ids.warned}/retranslate`, { lang: "en", paragraph: 2 })).status).toBe(422); // the source
    expect((await post(`/api/articles/${ids.warned}/retranslate`, { lang: "de", paragraph: 60 })).status).toBe(422);
  });

  test("re-running the digest asks the model again and proposes texts for every language", async () => {
    const answer = await post(`/api/articles/${ids.german}/digest`, {});
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json.value).sort()).toEqual(["de", "en"]);
    expect(answer.json.value.de.keyPoints.length).toBeGreaterThanOrEqual(3);
    expect(answer.json.usage.calls).toBe(1);
  });

  test("the digest re-run asks for the channel texts the result has and proposes them", async () => {
    // The German story was made with --channels push,social,seo: the re-run asks for the same set.
    const answer = await post(`/api/articles/${ids.german}/digest`, { fresh: true });
    expect(answer.status).toBe(200);
    expect(model.requests.map((r) => r.task)).toEqual(["digest de,en +push,social,seo"]);
    for (const lang of ["de", "en"]) {
      expect(Object.keys(answer.json.value[lang].channels)).toEqual(["push", "social", "seoTitle", "seoDescription"]);
    }
    expect(answer.json.value.de.channels.push).toMatch(/^Neue Entwicklung: /);

    // A result without channel texts: the digest as `run` without --channels asks for it.
    model.requests.length = 0;
    const plain = await post(`/api/articles/${ids.warned}/digest`, { fresh: true });
    expect(plain.status).toBe(200);
    expect(model.requests.map((r) => r.task)).toEqual(["digest de,en"]);
    expect(plain.json.value.de.channels).toBeUndefined();
  });

  test("the channels of a result are read back from its fields", () => {
    const result = (languages: Record<string, unknown>) => ({ languages }) as unknown as ArticleResult;
    expect(channelsOf(result({ de: { summary: "x" }, en: {} }))).toEqual([]);
    expect(channelsOf(result({ de: { channels: { seoDescription: "x" } } }))).toEqual(["seo"]);
    expect(channelsOf(result({ de: { channels: { social: "x" } }, en: { channels: { push: "y", seoTitle: "z" } } }))).toEqual(["push", "social", "seo"]);
    expect(channelsOf(result({ de: { channels: "push" }, en: { channels: ["push"] } }))).toEqual([]);
  });

  test("the desk's register is the option, else $NEWSDESK_FORMALITY, as for `run`", () => {
    expect(deskFormality({}, {})).toBeUndefined();
    expect(deskFormality({}, { NEWSDESK_FORMALITY: " informal " })).toBe("informal");
    expect(deskFormality({}, { NEWSDESK_FORMALITY: "de-CH=informal,de=formal" })).toEqual({ "de-CH": "informal", de: "formal" });
    expect(deskFormality({ formality: "formal" }, { NEWSDESK_FORMALITY: "informal" })).toBe("formal");
    expect(() => deskFormality({}, { NEWSDESK_FORMALITY: "casual" })).toThrow(/NEWSDESK_FORMALITY "casual": expected formal, informal/);
  });

  test("with a register, the digest re-run and the paragraph retranslation ask for it and check it", async () => {
    const registered = await startReviewServer({
      dir,
      port: 0,
      pipeline: () => testPipeline(model.url, { cache: new Cache(cacheFile), formality: "informal" }),
    });
    try {
      const page = await request("GET", "/", { port: registered.port });
      const token = /name="newsdesk-token" content="([^"]+)"/.exec(page.body)![1]!;
      const headers = { "content-type": "application/json", "x-newsdesk-token": token };
      const digest = await request("POST", `/api/articles/${ids.german}/digest`, { port: registered.port, headers, body: "{}" });
      expect(digest.status).toBe(200);
      const prompt = model.requests[0]!.messages.map((m) => m.content).join("\n");
      expect(prompt).toContain('de: Register: address the reader informally ("du"');
      // The test model's German teaser says "lesen Sie hier": the register check finds it.
      expect(digest.json.warnings.join("\n")).toMatch(/digest de: .*register is informal/);
      model.requests.length = 0;
      const paragraph = await request("POST", `/api/articles/${ids.warned}/retranslate`, {
        port: registered.port,
        headers,
        body: JSON.stringify({ lang: "de", paragraph: 0 }),
      });
      expect(paragraph.status).toBe(200);
      expect(model.requests[0]!.messages.map((m) => m.content).join("\n")).toContain('- Register: address the reader informally ("du"');
    } finally {
      await registered.close();
    }
  });

  test("without a model, model help answers 503 and the rest works", async () => {
    const bare = await startReviewServer({ dir, port: 0 });
    try {
      const page = await request("GET", "/", { port: bare.port });
      const token = /name="newsdesk-token" content="([^"]+)"/.exec(page.body)![1]!;
      const answer = await request("POST", `/api/articles/${ids.german}/digest`, {
        port: bare.port,
        headers: { "content-type": "application/json", "x-newsdesk-token": token },
        body: "{}",
      });
      expect(answer.status).toBe(503);
    } finally {
      await bare.close();
    }
  });
});

describe("export", () => {
  test("the newsletter section holds the approved articles only, escaped", async () => {
    const md = await request("GET", "/api/export?lang=de&format=md&disclosure=1");
    expect(md.status).toBe(200);
    expect(md.json.count).toBe(1);
    expect(md.json.text).toContain("Geprüft: die Stadt zahlt den Rest.");
    expect(md.json.text).toContain("*AI-assisted, reviewed by Anna Keller*");
    const html = await request("GET", "/api/export?lang=en&format=html");
    expect(html.json.text).toMatch(/^<section lang="en"/);
    expect((await request("GET", "/api/export?lang=../../x&format=md")).status).toBe(422);
    expect((await request("GET", "/api/export?lang=de&format=pdf")).status).toBe(422);
  });

  test("the export carries the reviewed channel texts: JSON items as `newsletter --json` prints them, a layout's {{push}} … escaped", async () => {
    // The German story (made with --channels push,social,seo) approved with an edited push alert.
    const own = await ownDesk();
    const id = own.ids.german;
    try {
      const port = own.port;
      const { json } = await request("GET", `/api/articles/${id}`, { port });
      const push = "Neu: <b>Fähre</b> *fährt* wieder";
      const approved = await own.review(id, { etag: json.etag, editor: "Lena Huber", action: "approve", changes: [{ field: "languages.de.channels.push", value: push }] });
      expect(approved.status).toBe(200);
      const de = approved.json.result.languages.de;
      const en = approved.json.result.languages.en;

      // JSON: the section's items with their channel texts (the reviewed ones), per language.
      const exported = await request("GET", "/api/export?lang=de&format=json&disclosure=1", { port });
      expect(exported.status).toBe(200);
      expect(exported.json.count).toBe(1);
      const section = JSON.parse(exported.json.text);
      expect(section).toEqual({
        lang: "de",
        title: null,
        items: [
          {
            id,
            headline: de.snippet.headline,
            teaser: de.snippet.teaser,
            keyPoints: de.keyPoints,
            credit: "Keystone/SDA",
            published: "2024-05-20T08:00",
            url: null,
            channels: { ...de.channels, push },
          },
        ],
        disclosure: "AI-assisted, reviewed by Lena Huber",
      });
      const english = JSON.parse((await request("GET", "/api/export?lang=en&format=json", { port })).json.text);
      expect(english.items[0].channels).toEqual(en.channels);
      expect(english.disclosure).toBeUndefined();

      // A layout of one's own gets them as {{push}}, {{social}}, {{seo_title}}, {{seo_description}}, escaped for its format.
      const results = readdirSync(own.dir)
        .filter((name) => name.endsWith(".json"))
        .map((name) => JSON.parse(readFileSync(path.join(own.dir, name), "utf8")));
      const layouts = tempDir("newsdesk-layouts-");
      for (const format of ["md", "html"] as const) {
        const layout = path.join(layouts, `channels.${format}`);
        writeFileSync(
          layout,
          [
            "<!-- block: section -->",
            "{{items}}",
            "<!-- block: item -->",
            "{{headline_text}}|{{push}}|{{social}}|{{seo_title}}|{{seo_description}}",
            "<!-- block: point -->",
            "{{text}}",
            "<!-- block: link -->",
            "{{text}}",
          ].join("\n"),
        );
        const { text } = exportNewsletter(results, { lang: "de", format, template: layout });
        const parts = text.trim().split("|");
        expect(parts).toHaveLength(5);
        expect(parts[1]).toBe(format === "md" ? "Neu: &lt;b\\>Fähre&lt;/b\\> \\*fährt\\* wieder" : "Neu: &lt;b&gt;Fähre&lt;/b&gt; *fährt* wieder");
        expect(parts.slice(2).every((part) => part !== "")).toBe(true);
        expect(text).not.toContain("<b>");
      }
    } finally {
      await own.server.close();
    }
  });

  test("article text with markup comes back as data (the page renders it as text)", async () => {
    const { json } = await request("GET", `/api/articles/${ids.hostile}`);
    expect(json.result.source.title).toContain(XSS);
  });
});

describe("safety", () => {
  test("a request path never leaves the results folder", async () => {
    const outside = path.join(tempDir("newsdesk-outside-"), "secret.json");
    writeFileSync(outside, JSON.stringify({ id: "secret", secret: "do-not-serve" }));
    symlinkSync(outside, path.join(dir, "linked.json"));
    for (const target of [
      "/api/articles/..%2f..%2fetc%2fpasswd",
      "/api/articles/../../etc/passwd",
      "/api/articles/%2e%2e",
      "/api/articles/linked",
      "/api/articles/LINKED",
      "/api/articles/a.json",
      "/api/articles/" + "a".repeat(300),
      "/../../etc/passwd",
      "/..%2fpackage.json",
      "/static/../server.ts",
      "/app.js/../../server.ts",
      "//etc/passwd",
      "/api/articles/%00",
    ]) {
      const answer = await request("GET", target);
      expect([400, 404], target).toContain(answer.status);
      expect(answer.body).not.toContain("do-not-serve");
      expect(answer.body).not.toContain("root:");
    }
    const queue = await request("GET", "/api/articles");
    expect(queue.body).not.toContain("do-not-serve");
    expect(queue.json.problems).toEqual([{ id: "linked", reason: "no such article" }]);
  });

  test("state-changing requests need the token header, the same origin and JSON", async () => {
    const target = `/api/articles/${ids.german}/review`;
    const { json } = await request("GET", `/api/articles/${ids.german}`);
    const body = JSON.stringify({ etag: json.etag, editor: "Mallory", action: "approve", changes: [] });
    const cases: [Record<string, string>, number][] = [
      [{ "content-type": "application/json", origin }, 403],
      [{ "content-type": "application/json", origin, "x-newsdesk-token": "wrong" }, 403],
      [{ "content-type": "application/json", origin: "http://evil.example", "x-newsdesk-token": csrf }, 403],
      [{ "content-type": "application/json", origin: "null", "x-newsdesk-token": csrf }, 403],
      [{ "content-type": "application/json", "sec-fetch-site": "cross-site", "x-newsdesk-token": csrf }, 403],
      [{ "content-type": "text/plain", origin, "x-newsdesk-token": csrf }, 415],
      [{ "content-type": "application/x-www-form-urlencoded", origin, "x-newsdesk-token": csrf }, 415],
    ];
    for (const [headers, status] of cases) {
      expect((await request("POST", target, { headers, body })).status, JSON.stringify(headers)).toBe(status);
    }
    expect(JSON.parse(readFileSync(path.join(dir, `${ids.german}.json`), "utf8")).review).toBeUndefined();
  });

  test("a page on another host name (DNS rebinding) is refused", async () => {
    expect((await request("GET", "/api/articles", { headers: { host: "evil.example:4417" } })).status).toBe(421);
    expect((await request("GET", "/api/articles", { headers: { host: `localhost:${desk.port}` } })).status).toBe(200);
  });

  test("any host but loopback needs a token; with a token every request needs it", async () => {
    await expect(startReviewServer({ dir, port: 0, host: "0.0.0.0" })).rejects.toThrow(/needs --token-file/);
    await expect(startReviewServer({ dir, port: 0, token: "short" })).rejects.toThrow(/16 to 512/);
    const token = "t0ken-for-the-review-desk-0123456789";
    const guarded = await startReviewServer({ dir, port: 0, token });
    try {
      const port = guarded.port;
      for (const target of ["/", "/app.js", "/api/articles", `/api/articles/${ids.german}`, "/api/export?lang=de"]) {
        expect((await request("GET", target, { port })).status, target).toBe(401);
        expect((await request("GET", target, { port, headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
      }
      expect((await request("GET", "/?token=wrong-token-wrong-token", { port })).status).toBe(401);
      const opened = await request("GET", `/?token=${token}`, { port });
      expect(opened.status).toBe(303);
      expect(opened.headers.location).toBe("/");
      const cookie = opened.headers["set-cookie"]![0]!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const withCookie = await request("GET", "/api/articles", { port, headers: { cookie: cookie.split(";")[0]! } });
      expect(withCookie.status).toBe(200);
      expect((await request("GET", "/api/articles", { port, headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      // The cookie alone does not change state: the token header is needed too.
      const { json } = await request("GET", `/api/articles/${ids.german}`, { port, headers: { authorization: `Bearer ${token}` } });
      const body = JSON.stringify({ etag: json.etag, editor: "M", action: "save", changes: [] });
      const headers = { cookie: cookie.split(";")[0]!, "content-type": "application/json", origin: `http://127.0.0.1:${port}` };
      expect((await request("POST", `/api/articles/${ids.german}/review`, { port, headers, body })).status).toBe(403);
    } finally {
      await guarded.close();
    }
  });

  test("fuzz: random methods, paths, headers and bodies always get a 4xx, and the server stays up", async () => {
    let seed = 1234567;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
    const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "HEAD", "FOO"];
    const paths = [
      "/", "/api", "/api/articles", `/api/articles/${ids.german}`, `/api/articles/${ids.german}/review`,
      `/api/articles/${ids.warned}/retranslate`, `/api/articles/${ids.german}/digest`, "/api/articles/nope/review",
      "/api/export", "/api/export?lang=de&points=99", "/api/export?lang=de&format=html&points=-1", "/%", "/%%%", "/?a=%ZZ",
      "/api/articles/" + "x".repeat(5000), "/app.js?../../", "/style.css/..", "/api/articles/-/review",
    ];
    const bodies = [
      "", "{", "null", "[]", "\"x\"", "1e309", "{\"etag\":1}", "{\"__proto__\":{\"x\":1}}",
      JSON.stringify({ etag: "0".repeat(64), editor: "F", action: "save", changes: [{ field: "languages.de.summary", value: 5 }] }),
      JSON.stringify({ etag: "0".repeat(64), editor: "F", action: "save", changes: [{ field: "languages.de.channels.push", value: ["x"] }] }),
      JSON.stringify({ etag: "0".repeat(64), editor: "F", action: "approve", changes: [{ field: "languages.de.channels.constructor", value: "x" }] }),
      JSON.stringify({ etag: "0".repeat(64), editor: "F", action: "save", changes: [{ field: "languages.de.headlines", value: ["x"] }] }),
      JSON.stringify({ lang: "de", paragraph: -1 }), JSON.stringify({ lang: "de", paragraph: 1.5 }), JSON.stringify({ fresh: "yes" }),
      "\u0000\u0001\u0002", Buffer.from([0xff, 0xfe, 0xfd]).toString("latin1"), "{\"a\":" + "[".repeat(5000),
    ];
    // What a plain read may get (after the URL's own normalisation: "/style.css/.." is "/").
    const readable = new Set(["/", "/app.js", "/style.css", "/api/articles", `/api/articles/${ids.german}`]);
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const method = pick(methods);
      const headers: Record<string, string> = {};
      if (random() < 0.7) headers["content-type"] = pick(["application/json", "text/plain", "application/json; charset=utf-8", "x/y"]);
      if (random() < 0.7) headers["x-newsdesk-token"] = random() < 0.8 ? csrf : "nope";
      if (random() < 0.5) headers.origin = random() < 0.8 ? origin : "http://evil.example";
      const body = method === "GET" || method === "HEAD" ? undefined : pick(bodies);
      const target = pick(paths);
      const answer = await request(method, target, { headers, body });
      statuses.push(answer.status);
      // Only a plain read of a page or of the API may succeed; everything else is a 4xx.
      const read = (method === "GET" || method === "HEAD") && readable.has(new URL(target, "http://x").pathname);
      expect(answer.status, `${method} ${target}`).toBeGreaterThanOrEqual(read ? 200 : 400);
      expect(answer.status, `${method} ${target}`).toBeLessThan(read ? 300 : 500);
    }
    expect(new Set(statuses).size).toBeGreaterThan(3);

    // A body over the limit (declared and undeclared), and bytes that are not HTTP at all.
    for (const framing of [{}, { "transfer-encoding": "chunked" }] as Record<string, string>[]) {
      const huge = await request("POST", `/api/articles/${ids.german}/review`, {
        headers: { "content-type": "application/json", "x-newsdesk-token": csrf, origin, ...framing },
        body: Buffer.alloc(3 * 1024 * 1024, "a"),
      });
      expect(huge.status).toBe(413);
    }
    const garbage = await new Promise<string>((resolve) => {
      const socket = net.connect(desk.port, "127.0.0.1", () => socket.write("\u0000\u0001GARBAGE / HTTP/9\r\n\r\n"));
      let text = "";
      socket.on("data", (d) => (text += d));
      socket.on("close", () => resolve(text));
      socket.on("error", () => resolve(text));
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);

    // Still up, and nothing was written by the fuzzing.
    expect((await request("GET", "/api/articles")).status).toBe(200);
    expect(JSON.parse(readFileSync(path.join(dir, `${ids.german}.json`), "utf8")).review).toBeUndefined();
    expect(existsSync(path.join(dir, "nope.json"))).toBe(false);
  });
});
