// --via batch against the local server's Batch API (/v1/files, /v1/batches): end to end, split
// batches, resume after SIGKILL, an expired batch, invalid answers repaired synchronously, failed
// and malformed lines, cost at the batch rate, and providers without a Batch API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startOpenAIServer, type ChatRequestBody, type TestServer } from "./support/openai-server.ts";
import { describeRequest, digestReply, fakeModel } from "./support/fake-model.ts";
import { writeArticleFiles } from "./support/articles.ts";
import { runCli } from "./support/cli.ts";
import { ROOT, SECRET_KEY, tempDir } from "./support/setup.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  server.batchRequests.length = 0;
  server.batches.length = 0;
  server.setHandler(fakeModel);
  server.setBatchBehaviour({});
});

const env = (extra: Record<string, string> = {}) => ({
  OPENAI_BASE_URL: server.url,
  OPENAI_API_KEY: SECRET_KEY,
  XDG_CACHE_HOME: tempDir(),
  NEWSDESK_BATCH_POLL_MS: "20,100",
  ...extra,
});

const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const results = (dir: string) => jsonFiles(dir).map((f) => JSON.parse(readFileSync(path.join(dir, f), "utf8")));
const setup = (articles: number) => {
  const input = tempDir();
  writeArticleFiles(input, articles);
  return { input, out: tempDir(), cache: path.join(tempDir(), "cache.sqlite") };
};

describe("--via batch", () => {
  it("200 articles: one batch in the Batch API's JSONL, no synchronous call, results as a synchronous run writes them", async () => {
    const { input, out, cache } = setup(200);
    const report = path.join(tempDir(), "report.json");
    const run = await runCli(["summarize", input, "--via", "batch", "--out", out, "--cache", cache, "--report", report], { env: env() });
    expect(run.stderr).toMatch(/200\/200 articles done, 0 failed, 200 calls \(200 batch, 0 synchronous\)/);
    expect(run.code).toBe(0);
    expect(server.requests).toHaveLength(0);
    expect(server.batches).toHaveLength(1);
    expect(server.batches[0]).toMatchObject({ status: "completed", endpoint: "/v1/chat/completions", completion_window: "24h", request_counts: { total: 200, completed: 200, failed: 0 } });

    // The uploaded file: one line per task, custom_id the cache key, the body a synchronous call sends.
    const uploaded = server.files.get(server.batches[0]!.input_file_id)!;
    expect(uploaded.purpose).toBe("batch");
    const lines = uploaded.content.toString("utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(200);
    for (const line of lines) {
      expect(line).toMatchObject({ custom_id: expect.stringMatching(/^[0-9a-f]{64}$/), method: "POST", url: "/v1/chat/completions" });
      // summarize makes one call per article: it asks for the digest's own schema (no prefix to share).
      expect(line.body).toMatchObject({ model: "gpt-4o-mini", response_format: { type: "json_schema", json_schema: { name: "digest", strict: true } } });
    }

    // The same articles synchronously, with a fresh cache: the same files, the same texts.
    const syncOut = tempDir();
    const sync = await runCli(["summarize", input, "--out", syncOut, "--cache", path.join(tempDir(), "c.sqlite")], { env: env() });
    expect(sync.code).toBe(0);
    expect(jsonFiles(out)).toEqual(jsonFiles(syncOut));
    const strip = (r: Record<string, unknown>) => ({ ...r, usage: undefined });
    expect(results(out).map(strip)).toEqual(results(syncOut).map(strip));

    const figures = JSON.parse(readFileSync(report, "utf8"));
    expect(figures.batch).toMatchObject({ submitted: [server.batches[0]!.id], sent: 200, calls: { batch: 200, repairs: 0, synchronous: 0 } });
    // gpt-4o-mini's batch entry in the price table is half its synchronous prices.
    expect(figures.cost.usd / figures.batch.cost.synchronousUsd).toBeCloseTo(0.5, 5);

    // Again: everything is cached, no batch, no call.
    server.requests.length = 0;
    const again = await runCli(["summarize", input, "--via", "batch", "--out", out, "--cache", cache], { env: env() });
    expect(again.code).toBe(0);
    expect(server.batches).toHaveLength(1);
    expect(server.requests).toHaveLength(0);
    expect(again.stderr).toMatch(/0 calls \(0 batch, 0 synchronous\), 200 cache hits/);
  }, 90_000);

  it("splits a large backlog into several batches (--batch-size), each task once", async () => {
    const { input, out, cache } = setup(25);
    const run = await runCli(["run", input, "--via", "batch", "--batch-size", "10", "--out", out, "--cache", cache], { env: env() });
    expect(run.code).toBe(0);
    // 25 translations and 25 digests: short articles, so one joint line each (as a synchronous run
    // makes one joint call), 25 lines in batches of at most 10.
    expect(server.batches.map((b) => b.request_counts.total)).toEqual([10, 10, 5]);
    expect(server.batchRequests).toHaveLength(25);
    for (const body of server.batchRequests) {
      const text = body.messages.map((m) => m.content).join("\n");
      expect(text).toMatch(/Task: translate/);
      expect(text).toMatch(/Task: digest/);
    }
    expect(server.requests).toHaveLength(0);
    expect(jsonFiles(out)).toHaveLength(25);
  }, 60_000);

  it("a CLI killed while waiting is resumed by running the same command again: no second batch", async () => {
    const { input, out, cache } = setup(40);
    server.setBatchBehaviour({ perRequestMs: 40 });
    const args = ["summarize", input, "--via", "batch", "--out", out, "--cache", cache];
    const child = spawn(process.execPath, [path.join(ROOT, "bin/newsdesk.js"), ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env() }, stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("close", (_code, signal) => resolve(signal)));
    const start = Date.now();
    while (!(server.batches[0]?.status === "in_progress" && server.batches[0].request_counts.completed >= 3)) {
      if (Date.now() - start > 20_000) throw new Error("no batch in progress");
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    expect(jsonFiles(out)).toHaveLength(0);

    const again = await runCli(args, { env: env() });
    expect(again.code).toBe(0);
    expect(server.batches).toHaveLength(1);
    expect(server.batchRequests).toHaveLength(40);
    expect(server.requests).toHaveLength(0);
    expect(jsonFiles(out)).toHaveLength(40);
  }, 60_000);

  it("--no-wait prints the batch id and returns; batches list/status show it; batches resume collects it", async () => {
    const { input, out, cache } = setup(5);
    server.setBatchBehaviour({ validatingMs: 300 });
    const submitted = await runCli(["summarize", input, "--via", "batch", "--no-wait", "--out", out, "--cache", cache], { env: env() });
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toBe(server.batches[0]!.id);
    expect(submitted.stderr).toMatch(/running at the provider/);
    expect(jsonFiles(out)).toHaveLength(0);

    const list = await runCli(["batches", "list", "--cache", cache], { env: env() });
    expect(list.stdout).toMatch(new RegExp(`^${id}  \\w+  \\d+/\\d+ done, 0 failed  open  .* newsdesk summarize`));
    const status = await runCli(["batches", "status", id, "--cache", cache, "--json"], { env: env() });
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: expect.stringMatching(/validating|in_progress|finalizing|completed/) });

    const resumed = await runCli(["batches", "resume", id, "--cache", cache], { env: env() });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/5\/5 articles done, 0 failed, 5 calls \(5 batch, 0 synchronous\)/);
    expect(server.batches).toHaveLength(1);
    expect(jsonFiles(out)).toHaveLength(5);
  }, 60_000);

  it("batches cancel: the batch is cancelled at the provider; the rerun keeps what finished and resubmits the rest", async () => {
    const { input, out, cache } = setup(20);
    server.setBatchBehaviour({ perRequestMs: 250 });
    const submitted = await runCli(["summarize", input, "--via", "batch", "--no-wait", "--out", out, "--cache", cache], { env: env() });
    const id = submitted.stdout.trim();
    while ((server.batches[0]?.request_counts.completed ?? 0) < 5) await new Promise((r) => setTimeout(r, 20));
    const cancelled = await runCli(["batches", "cancel", id, "--cache", cache], { env: env() });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/cancelling|cancelled/);
    server.setBatchBehaviour({});
    const rerun = await runCli(["summarize", input, "--via", "batch", "--out", out, "--cache", cache], { env: env() });
    expect(rerun.code).toBe(0);
    expect(server.batches[0]!.status).toBe("cancelled");
    expect(server.batches).toHaveLength(2);
    // Every task ran exactly once across both batches.
    expect(server.batchRequests).toHaveLength(20);
    expect(server.requests).toHaveLength(0);
    expect(jsonFiles(out)).toHaveLength(20);
  }, 60_000);

  it("an expired batch with half done: the rest is resubmitted (default) or done synchronously (--unfinished sync); nothing is paid twice", async () => {
    for (const mode of ["resubmit", "sync"] as const) {
      server.requests.length = 0;
      server.batchRequests.length = 0;
      server.batches.length = 0;
      const { input, out, cache } = setup(30);
      server.setBatchBehaviour({ expireAfter: 15 });
      const run = await runCli(["summarize", input, "--via", "batch", "--unfinished", mode, "--out", out, "--cache", cache], { env: env() });
      expect(run.code).toBe(0);
      expect(server.batches[0]!.status).toBe("expired");
      if (mode === "resubmit") {
        expect(server.batches).toHaveLength(2);
        expect(server.batches[1]!.request_counts.total).toBe(15);
        expect(server.requests).toHaveLength(0);
      } else {
        expect(server.batches).toHaveLength(1);
        expect(server.requests).toHaveLength(15);
      }
      // 30 tasks, each asked once in all.
      expect(server.batchRequests.length + server.requests.length).toBe(30);
      expect(jsonFiles(out)).toHaveLength(30);
    }
  }, 90_000);

  it("an expired batch that a resubmission cannot finish: what finished is written, the rest fails with the way out (exit 1)", async () => {
    const { input, out, cache } = setup(10);
    server.setBatchBehaviour({ expireAfter: 0 });
    const run = await runCli(["summarize", input, "--via", "batch", "--out", out, "--cache", cache], { env: env() });
    expect(run.code).toBe(1);
    expect(server.requests).toHaveLength(0);
    expect(run.stderr).toMatch(/ended \(expired\) before it ran; run the same command again to resubmit it, or add --unfinished sync/);
  }, 60_000);

  it("an invalid answer in the batch goes through the synchronous repair, like a synchronous call's", async () => {
    const { input, out, cache } = setup(6);
    server.setHandler((body: ChatRequestBody) => {
      const info = describeRequest(body);
      // In the batch (no task header there): story 3's digest has one key point only.
      if (!body.task && info.title.includes("(story 3)")) {
        return digestReply({ de: { summary: "Kurz.", keyPoints: ["Nur einer."], snippet: { headline: "H", teaser: "T" } }, en: { summary: "Short.", keyPoints: ["Only one."], snippet: { headline: "H", teaser: "T" } } });
      }
      return fakeModel(body);
    });
    const run = await runCli(["summarize", input, "--via", "batch", "--out", out, "--cache", cache], { env: env() });
    expect(run.code).toBe(0);
    expect(server.batchRequests).toHaveLength(6);
    // One repair: the batch's answer and the problems named, continued synchronously.
    expect(server.requests).toHaveLength(1);
    const repair = server.requests[0]!;
    expect(repair.messages.at(-2)!.role).toBe("assistant");
    expect(repair.messages.at(-1)!.content).toMatch(/Your answer cannot be used:[\s\S]*keyPoints/);
    expect(run.stderr).toMatch(/1 synchronous repair,/);
    expect(run.stderr).toMatch(/7 calls \(6 batch, 1 synchronous\)/);
    expect(results(out).every((r) => r.languages.de.keyPoints.length >= 3)).toBe(true);
  }, 60_000);

  it("run: a joint line's invalid part is repaired alone, synchronously; its good part is kept", async () => {
    const { input, out, cache } = setup(6);
    server.setHandler((body: ChatRequestBody) => {
      const info = describeRequest(body);
      // In the batch (no headers there): story 3's joint answer has a digest with one key point only.
      if (!body.headers && body.task?.startsWith("digest") && info.title.includes("(story 3)")) {
        return digestReply({ de: { summary: "Kurz.", keyPoints: ["Nur einer."], snippet: { headline: "H", teaser: "T" } }, en: { summary: "Short.", keyPoints: ["Only one."], snippet: { headline: "H", teaser: "T" } } });
      }
      return fakeModel(body);
    });
    const run = await runCli(["run", input, "--via", "batch", "--out", out, "--cache", cache], { env: env() });
    expect(run.code).toBe(0);
    expect(server.batchRequests).toHaveLength(6);
    // The digest part alone, from its own part of the batch answer; the translation was fine.
    expect(server.requests.map((r) => r.task)).toEqual(["digest de,en"]);
    const repair = server.requests[0]!;
    expect(Object.keys(JSON.parse(repair.messages.at(-2)!.content))).toEqual(["digest"]);
    expect(repair.messages.at(-1)!.content).toMatch(/Your answer cannot be used:[\s\S]*keyPoints/);
    expect(run.stderr).toMatch(/1 synchronous repair, 0 other synchronous calls/);
    expect(results(out)).toHaveLength(6);
    expect(results(out).every((r) => r.languages.de.keyPoints.length >= 3 && r.languages.de.paragraphs.length > 0)).toBe(true);
  }, 60_000);

  it("failed lines and unreadable output lines are asked again synchronously", async () => {
    const { input, out, cache } = setup(8);
    server.setBatchBehaviour({ failLine: (_id, i) => i === 1 || i === 4, malformedOutputLines: 2 });
    const run = await runCli(["summarize", input, "--via", "batch", "--out", out, "--cache", cache], { env: env() });
    expect(run.code).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect(run.stderr).toMatch(/2 other synchronous calls \(2 failed lines/);
    expect(jsonFiles(out)).toHaveLength(8);
  }, 60_000);

  it("--max-cost caps the batch by its estimate: the lines beyond it are not submitted, and not done synchronously either", async () => {
    const { input, out, cache } = setup(10);
    const dry = await runCli(["summarize", input, "--via", "batch", "--dry-run", "--cache", cache], { env: env() });
    const batchUsd = Number(/via batch: estimated cost \$([\d.]+) at the batch rate/.exec(dry.stdout)![1]);
    // Room for about 4 of the 10 articles' lines.
    const limit = ((batchUsd * 0.45) as number).toFixed(6);
    const run = await runCli(["summarize", input, "--via", "batch", "--max-cost", limit, "--out", out, "--cache", cache], { env: env() });
    expect(run.code).toBe(1);
    expect(server.batchRequests).toHaveLength(4);
    expect(server.requests).toHaveLength(0);
    expect(jsonFiles(out)).toHaveLength(4);
    expect(run.stderr).toMatch(/6 lines not submitted \(over --max-cost/);
    expect(run.stderr).toMatch(/not done: the batch reached --max-cost/);
    // A rerun with room for the rest submits only those.
    const again = await runCli(["summarize", input, "--via", "batch", "--max-cost", String(batchUsd * 2), "--out", out, "--cache", cache], { env: env() });
    expect(again.code).toBe(0);
    expect(server.batchRequests).toHaveLength(10);
    expect(jsonFiles(out)).toHaveLength(10);
  }, 60_000);

  it("cost: --dry-run --via batch shows both prices; a price table's batch entry is used", async () => {
    const { input, cache } = setup(4);
    const dry = await runCli(["summarize", input, "--via", "batch", "--dry-run", "--cache", cache], { env: env() });
    expect(dry.code).toBe(0);
    const [, batchUsd, syncUsd] = /via batch: estimated cost \$([\d.]+) at the batch rate \(synchronously \$([\d.]+)\)/.exec(dry.stdout)!;
    expect(Number(batchUsd) / Number(syncUsd)).toBeCloseTo(0.5, 1); // printed to 4 decimals

    const prices = path.join(tempDir(), "prices.json");
    writeFileSync(prices, JSON.stringify({ "gpt-4o-mini": { input: 1, cachedInput: 0.5, output: 4, batch: 0.25 } }));
    const report = path.join(tempDir(), "report.json");
    const run = await runCli(["summarize", input, "--via", "batch", "--cache", cache, "--prices", prices, "--report", report, "--jsonl"], { env: env() });
    expect(run.code).toBe(0);
    const figures = JSON.parse(readFileSync(report, "utf8"));
    expect(figures.cost.usd / figures.batch.cost.synchronousUsd).toBeCloseTo(0.25, 5);
  }, 60_000);

  it("a provider without the Batch API: one line, exit 2, nothing uploaded", async () => {
    const { input, out, cache } = setup(2);
    server.setBatchBehaviour({ disabled: true });
    const filesBefore = server.files.size;
    const ollama = await runCli(["summarize", input, "--via", "batch", "--out", out, "--cache", cache], { env: env() });
    expect(ollama.code).toBe(2);
    expect(ollama.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^newsdesk: the server at .* has no Batch API \(404 on \/files or \/batches\); run without --via batch$/)]);
    expect(server.files.size).toBe(filesBefore);
    expect(server.batches).toHaveLength(0);
    expect(server.requests).toHaveLength(0);

    const azure = await runCli(["summarize", input, "--via", "batch", "--provider", "azure", "--out", out, "--cache", cache], { env: env({ OPENAI_BASE_URL: "https://example.openai.azure.com" }) });
    expect(azure.code).toBe(2);
    expect(azure.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^newsdesk: --via batch: the provider at .* has no Batch API/)]);
  }, 60_000);
});
