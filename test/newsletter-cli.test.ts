// `newsdesk newsletter` end to end: real CLI process, real client, the local test server.
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseHTML } from "linkedom";
import { useOpenAIServer } from "./support/use-server.ts";
import { describeRequest, digestReply, fakeModel } from "./support/fake-model.ts";
import { runCli } from "./support/cli.ts";
import { SECRET_KEY, tempDir } from "./support/setup.ts";

const HOSTILE = `<script>alert(1)</script> & "Co"`;
const server = useOpenAIServer();

function env() {
  return { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY };
}

const STORY = (title: string, extra: Record<string, string> = {}) =>
  JSON.stringify({
    title,
    body: [
      `${title} was confirmed by the authorities in Bern on Monday morning after a long meeting.`,
      "The decision follows months of debate in parliament and among the cantons about the costs.",
      "Critics said the plan came too late and would not solve the underlying problems of the region.",
      "Supporters replied that the measures were a first step and that more would follow next year.",
      "The government will present a detailed report on the results to parliament in the autumn.",
    ].join("\n\n"),
    credit: "Keystone/SDA",
    ...extra,
  });

describe("newsdesk newsletter", () => {
  it("prints an email-safe HTML section for the samples, one item per article", async () => {
    const result = await runCli(["newsletter", "samples/", "--lang", "de", "--format", "html", "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    const { document } = parseHTML(`<!doctype html><html><body>${result.stdout}</body></html>`);
    const section = document.querySelector("section")!;
    expect(section.getAttribute("lang")).toBe("de");
    expect(document.querySelectorAll("h3").length).toBe(5);
    expect(result.stdout).not.toMatch(/<script|<style|<link|<img/i);
    // Newest first: the 2031 feed stories before the 2024 seed.
    const metas = [...document.querySelectorAll("section > div")].map((d) => d.textContent ?? "");
    expect(metas.findIndex((t) => t.includes("2031"))).toBeLessThan(metas.findIndex((t) => t.includes("2024")));
    // Summarising cost one digest call per article, nothing else.
    expect(server.requests.map((r) => describeRequest(r).task)).toEqual(Array(5).fill("digest"));
  });

  it("shows hostile model text as text and drops javascript: links", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "feed.jsonl"), STORY("Zurich opens new bridge", { url: "javascript:alert(1)", published: "2024-05-16" }) + "\n");
    server.setHandler((body) => {
      const reply = fakeModel(body) as ReturnType<typeof digestReply>;
      reply.json.digest.de.snippet = { headline: HOSTILE, teaser: `<img src=x onerror=alert(2)> teaser` };
      return reply;
    });
    const result = await runCli(["newsletter", dir, "--lang", "de", "--format", "html", "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    const { document } = parseHTML(`<!doctype html><html><body>${result.stdout}</body></html>`);
    expect(document.querySelector("h3")!.textContent).toBe(HOSTILE);
    expect(document.querySelectorAll("script, img").length).toBe(0);
    expect(result.stdout).not.toMatch(/javascript:/i);
    expect(document.body.textContent).toContain("<img src=x onerror=alert(2)> teaser");
  });

  it("applies --variant de-CH to the section: no ß, Swiss quotes, lang de-CH", async () => {
    server.setHandler((body) => {
      const reply = fakeModel(body) as ReturnType<typeof digestReply>;
      reply.json.digest.de.snippet = { headline: "Die Straße nach „Peking“ ist offen", teaser: "Es heißt, der Weg sei frei." };
      reply.json.digest.de.keyPoints = ["Große Pläne für die Straße.", "Zweiter Punkt.", "Dritter Punkt."];
      return reply;
    });
    const result = await runCli(["newsletter", "samples/putin-beijing.txt", "--lang", "de", "--variant", "de-CH", "--format", "html", "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/ß|„|“/);
    expect(result.stdout).toContain("Die Strasse nach «Peking» ist offen");
    expect(result.stdout).toContain("Grosse Pläne");
    expect(result.stdout).toMatch(/<section lang="de-CH"/);
  });

  it("costs no call for articles already summarised", async () => {
    const cache = path.join(tempDir(), "cache.sqlite");
    const summarize = await runCli(["summarize", "samples/putin-beijing.txt", "--lang", "de,en", "--cache", cache, "--jsonl"], { env: env() });
    expect(summarize.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    const newsletter = await runCli(["newsletter", "samples/putin-beijing.txt", "--lang", "de", "--format", "md", "--title", "Morning briefing", "--cache", cache], { env: env() });
    expect(newsletter.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(newsletter.stdout).toMatch(/^## Morning briefing$/m);
    expect(newsletter.stdout.match(/^### /gm)).toHaveLength(1);
    expect(newsletter.stdout).toMatch(/^- /m);
  });

  it("lists a failed article on stderr, leaves it out, and exits 1", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "feed.jsonl"), [STORY("Geneva airport expands"), STORY("Basel museum closes for repairs")].join("\n") + "\n");
    server.setHandler((body) => (describeRequest(body).title.startsWith("Basel") ? { status: 400, message: "content policy" } : fakeModel(body)));
    const result = await runCli(["newsletter", dir, "--lang", "en", "--format", "md", "--no-cache"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/feed\.jsonl:2: .*content policy/);
    expect(result.stdout.match(/^### /gm)).toHaveLength(1);
  });

  it("--order input keeps the order the articles were read in, whatever finishes first", async () => {
    const dir = tempDir();
    const titles = ["Alpha tunnel reopens", "Bravo bridge closes", "Charlie station opens"];
    writeFileSync(path.join(dir, "feed.jsonl"), titles.map((t, i) => STORY(t, { published: `2024-05-1${i}` })).join("\n") + "\n");
    // The first article's digest is the slowest, so it finishes last.
    server.setHandler((body) => (describeRequest(body).title.startsWith("Alpha") ? { delayMs: 400, then: fakeModel(body) } : fakeModel(body)));
    const layout = path.join(dir, "layout.md");
    writeFileSync(layout, "<!-- block: section -->\n{{items}}\n<!-- block: item -->\n{{id}}\n<!-- block: point -->\n{{text}}\n<!-- block: link -->\n{{text}}\n");
    const input = await runCli(["newsletter", dir, "--lang", "en", "--order", "input", "--template", layout, "--no-cache"], { env: env() });
    expect(input.stdout.trim().split(/\n+/).map((l) => l.split("-")[0])).toEqual(["alpha", "bravo", "charlie"]);
    const newest = await runCli(["newsletter", dir, "--lang", "en", "--template", layout, "--no-cache"], { env: env() });
    expect(newest.stdout.trim().split(/\n+/).map((l) => l.split("-")[0])).toEqual(["charlie", "bravo", "alpha"]);
  });

  it("uses a custom layout, and refuses one with an unknown variable before any call", async () => {
    const dir = tempDir();
    const good = path.join(dir, "layout.md");
    writeFileSync(good, "<!-- block: section -->\nBRIEFING {{title}}\n{{items}}\n<!-- block: item -->\n* {{headline}} ({{meta}})\n<!-- block: point -->\n{{text}}\n<!-- block: link -->\n{{text}}\n");
    const ok = await runCli(["newsletter", "samples/putin-beijing.txt", "--lang", "en", "--template", good, "--no-cache"], { env: env() });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^BRIEFING News\n\* .+ \(Keystone\/SDA · 16 May 2024\)/);

    const bad = path.join(dir, "bad.md");
    writeFileSync(bad, "<!-- block: section -->\n{{title}} {{itemz}}\n<!-- block: item -->\n{{headline}}\n<!-- block: point -->\n{{text}}\n<!-- block: link -->\n{{text}}\n");
    server.requests.length = 0;
    const refused = await runCli(["newsletter", "samples/putin-beijing.txt", "--template", bad, "--no-cache"], { env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/bad\.md.*unknown variable \{\{itemz\}\}/);
    expect(server.requests).toHaveLength(0);
  });
});
