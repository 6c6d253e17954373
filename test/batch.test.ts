// Batches end to end: faulty servers, permanent failures, broken input lines, single-flight,
// dry-run, usage/cost line and the JSON report.
import { tasksAsked } from "./support/fake-model.ts";
import { describe, expect, it } from "vitest";
import { useOpenAIServer } from "./support/use-server.ts";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describeRequest, fakeModel } from "./support/fake-model.ts";
import { articlesJsonl, articleText, generateArticle, seededRandom, writeArticleFiles } from "./support/articles.ts";
import { runCli } from "./support/cli.ts";
import { cliEnv, SECRET_KEY, tempDir, testPipeline } from "./support/setup.ts";
import { readArticles } from "../src/article/index.ts";
import { runBatch } from "../src/run/batch.ts";
import { createScheduler } from "../src/model/scheduler.ts";


// The test server: its request log cleared and the fake model back in place before each test.
const server = useOpenAIServer();

const env = (extra: Record<string, string> = {}) => cliEnv(server, extra);

describe("batch with faults", () => {
  it("finishes every article of 300 when 20% of answers are faulty (5xx, 429, hang-ups, invalid and schema-breaking JSON)", async () => {
    const random = seededRandom(42);
    const faults: Record<string, number> = {};
    server.setHandler((body) => {
      if (random() >= 0.2) return fakeModel(body);
      const kind = Math.floor(random() * 5);
      faults[kind] = (faults[kind] ?? 0) + 1;
      if (kind === 0) return { status: 500, message: "internal error" };
      if (kind === 1) return { status: 429, message: "rate limit", headers: { "retry-after-ms": "20" } };
      if (kind === 2) return { hangup: true };
      if (kind === 3) return { content: '{"de": {"summary": "Die Meld' };
      return { json: { de: { summary: "x" } } };
    });
    const dir = tempDir();
    writeArticleFiles(dir, 300);
    const scheduler = createScheduler({ maxConcurrency: 8, baseDelayMs: 10, random: seededRandom(7) });
    const pipeline = testPipeline(server.url, { tasks: ["digest"], limiter: scheduler.run });
    const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 16 });
    expect(summary.failures).toEqual([]);
    expect(summary.done).toBe(300);
    expect(Object.keys(faults)).toHaveLength(5); // every kind of fault happened
    expect(server.requests.length).toBeGreaterThan(330);
  }, 60_000);

  it("isolates an article the server always rejects with 400: the rest done, exit 1, the failure named", async () => {
    const bad = generateArticle(3).title;
    server.setHandler((body) => (describeRequest(body).title === bad ? { status: 400, message: "this article is not allowed" } : fakeModel(body)));
    const dir = tempDir();
    writeArticleFiles(dir, 8);
    const out = tempDir();
    const report = path.join(tempDir(), "report.json");
    const result = await runCli(["summarize", dir, "--out", out, "--report", report], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/story-00004\.txt: digest de,en: .*this article is not allowed/);
    expect(result.stderr).toMatch(/7\/8 articles done, 1 failed/);
    // A 400 is permanent: asked once, not retried.
    expect(server.requests.filter((r) => describeRequest(r).title === bad)).toHaveLength(1);
    expect(readdirSync(out).filter((f) => f.endsWith(".json"))).toHaveLength(7);
    const json = JSON.parse(readFileSync(report, "utf8"));
    expect(json).toMatchObject({ articles: 8, done: 7, failed: 1 });
    expect(json.failures[0].source).toMatch(/story-00004\.txt$/);
  });

  it("reports a broken JSONL line with its line number and processes the others", async () => {
    const lines = articlesJsonl(4).trim().split("\n");
    lines.splice(2, 0, '{"title": "broken", "body": ');
    const feed = path.join(tempDir(), "feed.jsonl");
    writeFileSync(feed, lines.join("\n") + "\n");
    const result = await runCli(["summarize", feed, "--jsonl"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${feed}:3`);
    expect(result.stdout.trim().split("\n")).toHaveLength(4);
    expect(server.requests).toHaveLength(4);
  });
});

describe("single-flight", () => {
  it("makes one call for two identical articles in one batch", async () => {
    server.setHandler((body) => ({ delayMs: 100, then: fakeModel(body) }));
    const dir = tempDir();
    const text = articleText(generateArticle(11));
    writeFileSync(path.join(dir, "a.txt"), text);
    writeFileSync(path.join(dir, "b.txt"), text);
    const pipeline = testPipeline(server.url, { tasks: ["digest"] });
    const summary = await runBatch(readArticles([dir]), pipeline);
    expect(summary.done).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(summary.usage).toMatchObject({ calls: 1, cacheHits: 1 });
  });

  it("makes one joint call for two identical short articles under run: the second article's two tasks share it", async () => {
    server.setHandler((body) => ({ delayMs: 100, then: fakeModel(body) }));
    const dir = tempDir();
    const text = articleText(generateArticle(12));
    writeFileSync(path.join(dir, "a.txt"), text);
    writeFileSync(path.join(dir, "b.txt"), text);
    const summary = await runBatch(readArticles([dir]), testPipeline(server.url));
    expect(summary.done).toBe(2);
    expect(server.requests.map((r) => r.task)).toEqual([expect.stringMatching(/^translate \w+ \+ digest /)]);
    expect(summary.usage).toMatchObject({ calls: 1, cacheHits: 2 });
  });
});

describe("usage, cost and dry-run", () => {
  it("ends with a usage line with the estimated cost; an unknown model says so", async () => {
    const dir = tempDir();
    writeArticleFiles(dir, 2);
    const known = await runCli(["summarize", dir, "--jsonl"], { env: env() });
    expect(known.code).toBe(0);
    expect(known.stderr).toMatch(
      /2\/2 articles done, 0 failed, 2 calls, 0 cache hits, \d+ warnings?, 0 retries, [\d,]+ prompt tokens \(\d+% cached\), [\d,]+ completion tokens, estimated cost \$\d+\.\d+ \(gpt-4o-mini\), \d+\.\d s\n/,
    );
    const unknown = await runCli(["summarize", dir, "--jsonl"], { env: env({ NEWSDESK_MODEL: "my-local-model" }) });
    expect(unknown.stderr).toContain("estimated cost unknown (no price for my-local-model)");
    // A user's price file covers it.
    const prices = path.join(tempDir(), "prices.json");
    writeFileSync(prices, JSON.stringify({ "my-local-model": { input: 1000, cachedInput: 100, output: 1000 } }));
    const priced = await runCli(["summarize", dir, "--jsonl", "--prices", prices], { env: env({ NEWSDESK_MODEL: "my-local-model" }) });
    expect(priced.stderr).toMatch(/estimated cost \$\d+\.\d\d \(my-local-model\)/);
  });

  it("--dry-run makes no call, needs no configuration, and prints calls, tokens, cost and known cache hits", async () => {
    const dir = tempDir();
    writeArticleFiles(dir, 5);
    const cache = path.join(tempDir(), "cache.sqlite");
    // Fill the cache for the first 2 of the 5 articles.
    const some = tempDir();
    writeArticleFiles(some, 2);
    expect((await runCli(["run", some, "--jsonl", "--cache", cache], { env: env() })).code).toBe(0);
    server.requests.length = 0;

    const plan = await runCli(["run", dir, "--dry-run", "--cache", cache], { env: { XDG_CACHE_HOME: tempDir() } });
    expect(plan.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(plan.stdout).toMatch(/dry run: 5 articles, 10 tasks/);
    // Short articles: one joint call each for translation and digest (what the run then sends).
    expect(plan.stdout).toMatch(/calls: 3 \(3 translate\+digest\), cache hits: 4/);
    expect(plan.stdout).toMatch(/prompt tokens: [\d,]+/);
    expect(plan.stdout).toMatch(/estimated cost \$\d+\.\d+ \(gpt-4o-mini\)/);
    expect((await runCli(["run", dir, "--jsonl", "--cache", cache], { env: env() })).code).toBe(0);
    expect(tasksAsked(server.requests)).toHaveLength(6);
    expect(server.requests).toHaveLength(3);
  });
});
