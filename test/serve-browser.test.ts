// The review desk end to end in a real headless browser: Debian's chromium driven by
// playwright-core (no browser download), against results made by the pipeline and the test
// model. Skipped, with the reason printed, when no chromium is installed (.ci/run installs it and
// checks that this test really ran).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { useOpenAIServer } from "./support/use-server.ts";
import { ROOT, tempDir, testPipeline } from "./support/setup.ts";
import { Cache } from "../src/core/cache.ts";
import { startReviewServer, type ReviewServer } from "../src/serve/index.ts";
import { makeResults, modelWithWarning, XSS } from "./serve-fixtures.ts";
import { describeRequest, digestReply, fakeDigest } from "./support/fake-model.ts";

const CHROMIUM = [process.env.NEWSDESK_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (file): file is string => typeof file === "string" && file !== "" && existsSync(file),
);
if (!CHROMIUM) {
  console.warn(
    "serve-browser.test.ts skipped: no chromium at /usr/bin/chromium (apt-get install chromium, or set NEWSDESK_CHROMIUM)",
  );
}
const SCREENSHOT = path.join(ROOT, "docs/review.png");
const EDITED_POINT = "Geprüft: Die Stadt bezahlt den Rest <b>selbst</b>.";
const EDITED_PUSH = `Fähre fährt wieder ${XSS}`;
const UNSAVED_TITLE = `Basel ferry back ${XSS}`;
const UNSAVED_PARAGRAPH = "The Klingental ferry is back on the Rhine (edited, not saved yet).";

const model = useOpenAIServer({ handler: modelWithWarning });

describe.skipIf(!CHROMIUM)("review desk in a browser", () => {
  let desk: ReviewServer;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let ids: Awaited<ReturnType<typeof makeResults>>["ids"];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ dir, ids } = await makeResults(model.url));
    const cacheFile = path.join(tempDir(), "cache.sqlite");
    desk = await startReviewServer({ dir, port: 0, pipeline: () => testPipeline(model.url, { cache: new Cache(cacheFile) }), model: "gpt-4o-mini" });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: desk.url.replace(/\/$/, "") });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await desk?.close();
  });

  test("queue, filter, article, warning at its paragraph, edit, approve, reload, export", async () => {
    // The queue: every article, open warnings on top, a count per state.
    await page.goto(desk.url);
    await page.waitForSelector("tr.item");
    expect(await page.locator("tr.item").count()).toBe(5);
    expect(await page.locator("tr.item").first().getAttribute("data-id")).toBe(ids.warned);
    expect(await page.textContent("#counts")).toBe("5 articles · 1 with open warnings · 5 unreviewed · 0 in review · 0 approved");

    // Article and model text is text, never markup.
    const hostileTitle = page.locator(`tr[data-id="${ids.hostile}"] a.title`);
    expect(await hostileTitle.textContent()).toBe(`Council debates ${XSS} budget`);
    expect(await page.locator("img").count()).toBe(0);

    // Filters: with open warnings; by source language; back to all.
    await page.selectOption("#filter-state", "warnings");
    expect(await page.locator("tr.item").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")))).toEqual([ids.warned]);
    await page.selectOption("#filter-state", "all");
    await page.selectOption("#filter-lang", "de");
    expect(await page.locator("tr.item").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")))).toEqual([ids.german]);
    await page.selectOption("#filter-lang", "all");
    expect(await page.locator("tr.item").count()).toBe(5);

    // The article: source and translation side by side; the warning at paragraph 3.
    await page.click(`tr[data-id="${ids.warned}"] a.title`);
    await page.waitForSelector(".compare .row[data-paragraph]");
    expect(await page.locator(".compare .row[data-paragraph]").count()).toBe(6);
    const flagged = page.locator('.compare .row[data-paragraph="3"]');
    expect(await flagged.getAttribute("class")).toContain("flagged");
    expect(await flagged.locator("li.warning .reason").textContent()).toBe(
      'translate de: number 100000 ("100,000") from paragraph 3 is missing in the translation',
    );
    expect(await flagged.locator(".src").textContent()).toContain("100,000 francs");
    expect(await page.locator(".compare li.warning").count()).toBe(1);
    expect(await page.textContent("details.provenance")).toMatch(/Modeltest-model.*Promptshouse [0-9a-f]{12}/);
    // Only elements in the view: no stray text (an empty part printed as "null").
    expect(await page.evaluate(() => [...document.getElementById("view")!.childNodes].filter((n) => n.nodeType === 3).length)).toBe(0);
    await page.setViewportSize({ width: 1280, height: 1500 });
    await page.screenshot({ path: screenshotPath() });

    // Retranslate paragraph 3 (one model call through the library), keep the proposal.
    const calls = model.requests.length;
    await flagged.locator("button.retranslate").click();
    await page.waitForSelector('.compare .row[data-paragraph="3"] textarea.proposed');
    expect(await flagged.locator("textarea").inputValue()).toMatch(/^Neu übersetzt: .*100,000/);
    expect(model.requests.length).toBe(calls + 1);

    // Edit a key point, mark the warning resolved, approve as a named editor.
    await page.fill("#editor", "Lena Huber");
    const point = page.locator('section.digest[data-lang="de"] input.keypoint').first();
    await point.fill(EDITED_POINT);
    await flagged.locator("li.warning input[type=checkbox]").check();
    await page.click("#approve");
    await page.waitForSelector(".meta .badge.approved", { timeout: 5_000 }).catch(async (error) => {
      throw new Error(`not approved; the page said: ${await page.textContent("#toast")}`, { cause: error });
    });

    // Reload: the edit, the approval and the resolved warning come from the file.
    await page.reload();
    await page.waitForSelector(".meta .badge.approved");
    expect(await page.locator('section.digest[data-lang="de"] input.keypoint').first().inputValue()).toBe(EDITED_POINT);
    expect(await page.locator('.compare .row[data-paragraph="3"] textarea').inputValue()).toMatch(/^Neu übersetzt: /);
    expect(await page.locator('.compare .row[data-paragraph="3"] li.warning input[type=checkbox]').isChecked()).toBe(true);
    expect(await page.textContent("details.provenance")).toContain("approved by Lena Huber");
    const file = JSON.parse(readFileSync(path.join(dir, `${ids.warned}.json`), "utf8"));
    expect(file.review).toMatchObject({ status: "approved", editor: "Lena Huber" });
    expect(file.review.edits.map((e: { field: string }) => e.field).sort()).toEqual(["languages.de.keyPoints", "languages.de.paragraphs.2"]);
    expect(file.disclosure).toBe("AI-assisted, reviewed by Lena Huber");

    // The queue counts the approval; the approved filter shows it.
    await page.click("header nav a[href='#/']");
    await page.waitForSelector("tr.item");
    expect(await page.textContent("#counts")).toBe("5 articles · 0 with open warnings · 4 unreviewed · 0 in review · 1 approved");
    await page.selectOption("#filter-state", "approved");
    expect(await page.locator("tr.item").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")))).toEqual([ids.warned]);

    // Export: the approved edit is in the newsletter section, escaped for each format.
    await page.click("header nav a[href='#/export']");
    await page.waitForSelector("#export-output");
    await page.selectOption("#export-lang", "de");
    await expectOutput(page, "Geprüft: Die Stadt bezahlt den Rest &lt;b\\>selbst&lt;/b\\>.");
    expect(await page.textContent("#export-info")).toBe("1 approved article");
    await page.selectOption("#export-format", "html");
    await expectOutput(page, "Geprüft: Die Stadt bezahlt den Rest &lt;b&gt;selbst&lt;/b&gt;.");
    const html = await page.textContent("#export-output");
    expect(html).toMatch(/^<section lang="de"/);

    await page.click("#copy");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(html);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("newsletter.de.html");
    expect(readFileSync((await download.path())!, "utf8")).toBe(html);

    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test("channel texts with live limits, headline options, the digest re-run refilling them, save and reload", async () => {
    const original = JSON.parse(readFileSync(path.join(dir, `${ids.german}.json`), "utf8")).languages.de;
    await page.goto(`${desk.url}#/a/${ids.german}`);
    await page.waitForSelector('section.digest[data-lang="de"] .channels');
    const de = page.locator('section.digest[data-lang="de"]');
    const push = de.locator('.channels [data-channel="push"]');
    expect(await de.locator(".channels [data-channel]").evaluateAll((fields) => fields.map((f) => f.getAttribute("data-channel")))).toEqual([
      "push",
      "social",
      "seoTitle",
      "seoDescription",
    ]);
    expect(await push.inputValue()).toBe(original.channels.push);
    const pushCounter = de.locator('.channels label:has([data-channel="push"]) .counter');
    expect(await pushCounter.textContent()).toBe(`${[...original.channels.push].length} / 110 characters`);

    // Over the limit: the counter turns red and Approve is disabled; back within it, enabled again.
    await push.fill("x".repeat(111));
    expect(await pushCounter.textContent()).toBe("111 / 110 characters");
    expect(await pushCounter.getAttribute("class")).toContain("over");
    expect(await page.locator("#approve").isDisabled()).toBe(true);
    await push.fill(EDITED_PUSH);
    expect(await pushCounter.getAttribute("class")).not.toContain("over");
    expect(await page.locator("#approve").isDisabled()).toBe(false);

    // The digest re-run proposes channel texts too: they refill the fields.
    const calls = model.requests.length;
    await page.click("#rerun-digest");
    await page.waitForFunction((text) => (document.querySelector('section.digest[data-lang="de"] [data-channel="push"]') as HTMLInputElement | null)?.value === text, original.channels.push);
    expect(model.requests.length).toBe(calls + 1);
    expect(model.requests.at(-1)!.task).toBe("digest de,en +push,social,seo");

    // Headline options, read-only, each with its length; "Use" makes one the snippet headline (proposed).
    const options = de.locator("ol.headline-options li");
    expect(await options.locator(".option-text").allTextContents()).toEqual(original.headlines.map((h: { text: string }) => h.text));
    expect(await options.nth(1).locator(".counter").textContent()).toBe(` ${original.headlines[1].chars} characters`);
    await options.nth(1).locator("button.use-headline").click();
    expect(await de.locator("input.headline").inputValue()).toBe(original.headlines[1].text);
    expect(await de.locator("input.headline").getAttribute("class")).toContain("proposed");

    // Edit the push alert (markup in it stays text) and save; reload: both edits come from the file.
    await push.fill(EDITED_PUSH);
    await page.fill("#editor", "Lena Huber");
    await page.click("#save");
    await page.waitForSelector(".meta .badge.in-review");
    await page.reload();
    await page.waitForSelector('section.digest[data-lang="de"] .channels');
    expect(await push.inputValue()).toBe(EDITED_PUSH);
    expect(await de.locator("input.headline").inputValue()).toBe(original.headlines[1].text);
    const file = JSON.parse(readFileSync(path.join(dir, `${ids.german}.json`), "utf8"));
    expect(file.review.edits.map((e: { field: string }) => e.field)).toEqual(["languages.de.snippet.headline", "languages.de.channels.push"]);
    expect(file.languages.de.channels.push).toBe(EDITED_PUSH);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test("a model proposal fills only the fields it proposes, marked; the editor's unsaved texts stay, over a language switch, until saved", async () => {
    await page.goto(`${desk.url}#/`);
    await page.goto(`${desk.url}#/a/${ids.german}`);
    await page.waitForSelector('section.digest[data-lang="de"] .channels');
    const title = page.locator("input.title-edit");
    const paragraph = (n: number) => page.locator(`.compare .row[data-paragraph="${n}"] textarea`);
    const digest = (lang: string) => page.locator(`section.digest[data-lang="${lang}"]`);

    // Unsaved edits: the English title and paragraph 2, and the German summary (a digest field).
    await title.fill(UNSAVED_TITLE);
    await paragraph(2).fill(UNSAVED_PARAGRAPH);
    await digest("de").locator("textarea.summary").fill("Ungespeicherte Zusammenfassung");

    // Retranslate paragraph 1: only that paragraph is filled (and marked); the other edits stay.
    await page.locator('.compare .row[data-paragraph="1"] button.retranslate').click();
    await page.waitForSelector('.compare .row[data-paragraph="1"] textarea.proposed');
    const retranslated = await paragraph(1).inputValue();
    expect(retranslated).toMatch(/^Neu übersetzt: /);
    expect(await title.inputValue()).toBe(UNSAVED_TITLE);
    expect(await paragraph(2).inputValue()).toBe(UNSAVED_PARAGRAPH);
    expect(await digest("de").locator("textarea.summary").inputValue()).toBe("Ungespeicherte Zusammenfassung");

    // Re-run digest: summary, key points, snippet and channel texts of every language are filled
    // and marked; the title, the paragraphs (the retranslated one still marked) stay as they were.
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/articles/${ids.german}/digest`)),
      page.click("#rerun-digest"),
    ]);
    const proposal = (await answer.json()).value;
    await page.waitForFunction(() => document.getElementById("toast")?.textContent?.startsWith("New digest proposed"));
    const expectUnsavedKept = async () => {
      expect(await title.inputValue()).toBe(UNSAVED_TITLE);
      expect(await paragraph(2).inputValue()).toBe(UNSAVED_PARAGRAPH);
      expect(await paragraph(1).inputValue()).toBe(retranslated);
      expect(await paragraph(1).getAttribute("class")).toContain("proposed");
      expect(await title.getAttribute("class")).not.toContain("proposed");
      expect(await paragraph(2).getAttribute("class")).not.toContain("proposed");
      for (const lang of ["de", "en"]) {
        const d = digest(lang);
        const fields = [
          [d.locator("textarea.summary"), proposal[lang].summary],
          [d.locator("input.headline"), proposal[lang].snippet.headline],
          [d.locator("textarea.teaser"), proposal[lang].snippet.teaser],
          ...Object.entries(proposal[lang].channels).map(([field, text]) => [d.locator(`[data-channel="${field}"]`), text] as const),
        ] as const;
        for (const [field, text] of fields) {
          expect(await field.inputValue()).toBe(text);
          expect(await field.getAttribute("class")).toContain("proposed");
        }
        const points = d.locator("input.keypoint");
        expect(await points.evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value))).toEqual(proposal[lang].keyPoints);
        expect(await points.evaluateAll((inputs) => inputs.every((i) => i.classList.contains("proposed")))).toBe(true);
      }
    };
    await expectUnsavedKept();
    expect(Object.keys(proposal.de.channels)).toEqual(["push", "social", "seoTitle", "seoDescription"]);

    // Another language shown and back: nothing typed or proposed is lost.
    await page.selectOption("#lang", "de");
    await page.waitForSelector("input.title-edit:disabled");
    await page.selectOption("#lang", "en");
    await page.waitForSelector("input.title-edit:enabled");
    await expectUnsavedKept();

    // Save (here while the source is shown): every unsaved text goes into the file, the marks go.
    await page.selectOption("#lang", "de");
    await page.fill("#editor", "Lena Huber");
    await page.click("#save");
    await page.waitForFunction(() => document.getElementById("toast")?.textContent === "Saved");
    expect(await page.locator(".proposed").count()).toBe(0);
    const file = JSON.parse(readFileSync(path.join(dir, `${ids.german}.json`), "utf8"));
    expect(file.languages.en.title).toBe(UNSAVED_TITLE);
    expect(file.languages.en.paragraphs.slice(0, 2)).toEqual([retranslated, UNSAVED_PARAGRAPH]);
    for (const lang of ["de", "en"]) {
      expect(file.languages[lang]).toMatchObject({
        summary: proposal[lang].summary,
        keyPoints: proposal[lang].keyPoints,
        snippet: proposal[lang].snippet,
        channels: proposal[lang].channels,
      });
    }
    await page.selectOption("#lang", "en");
    expect(await title.inputValue()).toBe(UNSAVED_TITLE);

    // Approved, its channel texts are in the JSON export (the items as `newsletter --json` prints them).
    await page.click("#approve");
    await page.waitForSelector(".meta .badge.approved");
    await page.click("header nav a[href='#/export']");
    await page.waitForSelector("#export-output");
    await page.selectOption("#export-lang", "de");
    await page.selectOption("#export-format", "json");
    await expectOutput(page, `"id": "${ids.german}"`);
    const section = JSON.parse((await page.textContent("#export-output"))!);
    expect(section.items.find((item: { id: string }) => item.id === ids.german).channels).toEqual(proposal.de.channels);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("newsletter.de.json");
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test("what the checks still flag in a proposal is shown with it", async () => {
    // A model whose German summary stays over the 60-word limit, also after its one retry.
    model.setHandler((body) => {
      const info = describeRequest(body);
      if (info.task !== "digest") return modelWithWarning(body);
      const digest = fakeDigest(info) as Record<string, { summary: string }>;
      if (digest.de) digest.de.summary = Array.from({ length: 70 }, () => "Wort").join(" ") + ".";
      return digestReply(digest);
    });
    await page.goto(`${desk.url}#/a/${ids.plain}`);
    await page.waitForSelector("#rerun-digest");
    await page.click("#rerun-digest");
    await page.waitForFunction(() => document.getElementById("toast")?.textContent?.startsWith("New digest proposed"));
    expect(await page.textContent("#toast")).toMatch(/Warnings: digest de: the summary has 70 words \(limit 60\)$/);
    expect(await page.getAttribute("#toast", "class")).toContain("warn");
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

async function expectOutput(page: Page, text: string) {
  await page.waitForFunction((t) => document.getElementById("export-output")?.textContent?.includes(t), text, { timeout: 10_000 });
}

/** docs/review.png, kept in the repository and shown in the README. */
function screenshotPath(): string {
  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  return SCREENSHOT;
}
