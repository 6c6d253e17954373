// npm run bench: newsdesk against the script a user would otherwise write, on the local
// OpenAI-compatible server with a latency and a requests-per-second limit; then newsdesk's
// warm-cache speed and its peak memory on 10,000 articles.
//   BENCH_ARTICLES (300), BENCH_RPS (20), BENCH_LATENCY_MS (200), BENCH_CONCURRENCY (8),
//   BENCH_WARM (2000), BENCH_RSS_ARTICLES (10000), BENCH_BATCH_ARTICLES (1000),
//   BENCH_SKIP (comma list: compare,invalid,warm,rss,batch)
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startOpenAIServer } from "../test/support/openai-server.ts";
import { articlesJsonl, writeArticleFiles } from "../test/support/articles.ts";
import { readArticles } from "../src/article/index.ts";
import { runBatch } from "../src/run/batch.ts";
import { Cache } from "../src/core/cache.ts";
import { createModelClient } from "../src/model/create.ts";
import { createPipeline, type TaskKind } from "../src/run/pipeline.ts";
import { createScheduler } from "../src/model/scheduler.ts";
import { loadPromptSet } from "../src/core/prompts.ts";
import { defaultGlossaryPath, loadGlossary } from "../src/core/glossary.ts";
import type { Article } from "../src/core/types.ts";
import { naiveBatch } from "./naive.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const N = env("BENCH_ARTICLES", 300);
const RPS = env("BENCH_RPS", 20);
const LATENCY = env("BENCH_LATENCY_MS", 200);
const CONCURRENCY = env("BENCH_CONCURRENCY", 8);
const WARM = env("BENCH_WARM", 2000);
const RSS_N = env("BENCH_RSS_ARTICLES", 10_000);
const BATCH_N = env("BENCH_BATCH_ARTICLES", 1000);
const skip = new Set((process.env.BENCH_SKIP ?? "").split(",").filter(Boolean));
const LANGS = ["de", "en"];

const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), p));
const fmt = (n: number, d = 2) => n.toFixed(d);

function pipelineFor(url: string, cacheFile: string, tasks: TaskKind[], concurrency: number) {
  const scheduler = createScheduler({ maxConcurrency: concurrency });
  const client = createModelClient({ baseURL: url, maxRetries: 0, onRateHint: scheduler.observe });
  const pipeline = createPipeline({
    client,
    model: "test-model",
    cache: new Cache(cacheFile),
    languages: LANGS,
    tasks,
    prompts: loadPromptSet(),
    glossary: loadGlossary(defaultGlossaryPath()),
    limiter: scheduler.run,
    concurrency,
  });
  return { pipeline, scheduler };
}

async function collect(dir: string): Promise<Article[]> {
  const articles: Article[] = [];
  for await (const item of readArticles([dir])) if ("article" in item) articles.push(item.article);
  return articles;
}

async function compare() {
  const dir = tmp("newsdesk-bench-in-");
  writeArticleFiles(dir, N);
  console.log(`\n## run --lang de,en: ${N} articles, server ${RPS} requests/s, ${LATENCY} ms latency, concurrency ${CONCURRENCY}`);
  const rows: string[] = [];

  {
    const server = await startOpenAIServer({ latencyMs: LATENCY, rps: RPS });
    const { pipeline, scheduler } = pipelineFor(server.url, path.join(tmp("newsdesk-bench-cache-"), "c.sqlite"), ["translate", "digest"], CONCURRENCY);
    const started = Date.now();
    const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: Math.max(16, 2 * CONCURRENCY) });
    const wall = Date.now() - started;
    const calls = server.admitted();
    const stats = scheduler.stats();
    rows.push(row("newsdesk", wall, calls, summary.usage.promptTokens, summary.failures.length, `${stats.rateLimited} x 429, lowest limit ${stats.minLimitSeen}`));
    pipeline.options.cache?.close();
    await server.close();
  }
  if (!skip.has("naive")) {
    const server = await startOpenAIServer({ latencyMs: LATENCY, rps: RPS });
    const articles = await collect(dir);
    const result = await naiveBatch(articles, { baseURL: server.url, concurrency: CONCURRENCY, languages: LANGS, translate: true });
    rows.push(row("naive script", result.wallMs, server.admitted(), result.promptTokens, result.failedArticles, `${server.rateLimited()} x 429`));
    await server.close();
  }
  console.log("| | wall | ideal (admitted calls / R) | ratio | calls/article | prompt tokens/article | failed articles | notes |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
}

function row(name: string, wallMs: number, calls: number, promptTokens: number, failed: number, notes: string) {
  const ideal = (calls / RPS) * 1000;
  return `| ${name} | ${fmt(wallMs / 1000, 1)} s | ${fmt(ideal / 1000, 1)} s | ${fmt(wallMs / ideal)} | ${fmt(calls / N)} | ${Math.round(promptTokens / N)} | ${failed} | ${notes} |`;
}

/** A server whose every answer is invalid: calls per task stop at --repairs + 1, and the batch stops itself. */
async function invalid() {
  const count = 150;
  const dir = tmp("newsdesk-bench-invalid-");
  writeArticleFiles(dir, count);
  const server = await startOpenAIServer({ handler: () => ({ content: "not json at all" }) });
  console.log(`\n## all-invalid server: summarize ${count} articles (--repairs 2, concurrency ${CONCURRENCY})`);
  {
    // The library with the breaker off: every article is tried, each task at its bound.
    const { pipeline } = pipelineFor(server.url, path.join(tmp("newsdesk-bench-cache-"), "c.sqlite"), ["digest"], CONCURRENCY);
    const s = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: Math.max(16, 2 * CONCURRENCY), breaker: false });
    console.log(`library, breaker off: ${s.failures.length}/${count} failed, ${server.admitted()} calls = ${fmt(server.admitted() / count)} calls per article (bound: repairs + 1 = 3)`);
    pipeline.options.cache?.close();
  }
  server.requests.length = 0;
  const before = server.admitted();
  const started = Date.now();
  const cli = await runCommand(path.join(ROOT, "bin/newsdesk.js"), ["summarize", dir, "--lang", "de", "--no-cache", "--concurrency", String(CONCURRENCY), "--quiet"], {
    OPENAI_BASE_URL: server.url,
    NEWSDESK_MODEL: "test-model",
  });
  const calls = server.admitted() - before;
  const stop = cli.stderr.split("\n").find((l) => l.includes("stopped:")) ?? "(no stop line)";
  console.log(`CLI: exit ${cli.code} in ${fmt((Date.now() - started) / 1000, 1)} s, ${calls} calls for ${count} articles (${fmt(calls / count)} per article; before the fix: 19 per article, 2,850 calls)`);
  console.log(stop.replace(/to resume: .*/, "to resume: ..."));
  await server.close();
}

async function warm() {
  const dir = tmp("newsdesk-bench-warm-");
  writeArticleFiles(dir, WARM);
  const server = await startOpenAIServer();
  const cacheFile = path.join(tmp("newsdesk-bench-cache-"), "c.sqlite");
  console.log(`\n## warm cache: summarize ${WARM} articles again`);
  {
    const { pipeline } = pipelineFor(server.url, cacheFile, ["digest"], 16);
    const fill = Date.now();
    const s = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 32 });
    console.log(`fill: ${s.done} done, ${s.usage.calls} calls in ${fmt((Date.now() - fill) / 1000, 1)} s`);
    pipeline.options.cache?.close();
  }
  for (let round = 1; round <= 2; round++) {
    const { pipeline } = pipelineFor(server.url, cacheFile, ["digest"], 16);
    const started = Date.now();
    const s = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 32 });
    const seconds = (Date.now() - started) / 1000;
    console.log(`library round ${round}: ${s.done} articles, ${s.usage.calls} calls, ${s.usage.cacheHits} cache hits, ${Math.round(s.done / seconds)} articles/s`);
    pipeline.options.cache?.close();
  }
  // The CLI end to end (process start-up included), results as JSONL to /dev/null.
  const started = Date.now();
  const cli = await runCommand(path.join(ROOT, "bin/newsdesk.js"), ["summarize", dir, "--jsonl", "--cache", cacheFile, "--quiet"], { OPENAI_BASE_URL: server.url, NEWSDESK_MODEL: "test-model" });
  const seconds = (Date.now() - started) / 1000;
  console.log(`CLI (with start-up): exit ${cli.code}, ${fmt(seconds)} s, ${Math.round(WARM / seconds)} articles/s; ${cli.stderr.trim().split("\n").pop()}`);
  await server.close();
}

async function rss() {
  const work = tmp("newsdesk-bench-rss-");
  const feed = path.join(work, "feed.jsonl");
  writeFileSync(feed, articlesJsonl(RSS_N));
  const server = await startOpenAIServer();
  const rssFile = path.join(work, "rss");
  console.log(`\n## memory: summarize ${RSS_N} articles (JSONL) --out DIR, concurrency 16`);
  const started = Date.now();
  // Started as `npx newsdesk` starts it: the executable itself, so its shebang's node flags apply.
  const result = await runCommand(
    path.join(ROOT, "bin/newsdesk.js"),
    ["summarize", feed, "--out", path.join(work, "out"), "--cache", path.join(work, "c.sqlite"), "--concurrency", "16", "--quiet"],
    { OPENAI_BASE_URL: server.url, NEWSDESK_RSS_FILE: rssFile, NODE_OPTIONS: `--import=${path.join(ROOT, "bench/rss-preload.mjs")}` },
  );
  const kib = Number(readFileSync(rssFile, "utf8"));
  console.log(`exit ${result.code} in ${fmt((Date.now() - started) / 1000, 1)} s; peak RSS ${fmt(kib / 1024, 0)} MB; ${result.stderr.trim().split("\n").pop()}`);
  await server.close();
}

/** `run --lang de,en` synchronously and --via batch on the same articles: calls and cost per 1,000 articles at gpt-4o-mini's prices. */
async function batch() {
  const dir = tmp("newsdesk-bench-batch-");
  writeArticleFiles(dir, BATCH_N);
  const server = await startOpenAIServer();
  const prices = JSON.parse(readFileSync(path.join(ROOT, "src/run/prices.json"), "utf8"))["gpt-4o-mini"];
  console.log(`\n## --via batch: run --lang de,en, ${BATCH_N} articles, gpt-4o-mini at the price table's figures`);
  console.log(`(synchronous: $${prices.input} / $${prices.cachedInput} / $${prices.output} per million input / cached / output tokens; batch: ${typeof prices.batch === "object" ? `$${prices.batch.input} / $${prices.batch.cachedInput} / $${prices.batch.output}` : "half"})`);
  console.log("| path | wall | calls / 1,000 articles | batch calls | synchronous calls | cost / 1,000 articles |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  const per1000 = (n: number) => (n * 1000) / BATCH_N;
  const costs: number[] = [];
  for (const via of ["sync", "batch"]) {
    const work = tmp("newsdesk-bench-batch-run-");
    const report = path.join(work, "report.json");
    const started = Date.now();
    const result = await runCommand(
      path.join(ROOT, "bin/newsdesk.js"),
      ["run", dir, "--via", via, "--out", path.join(work, "out"), "--cache", path.join(work, "c.sqlite"), "--report", report, "--concurrency", "16", "--quiet"],
      { OPENAI_BASE_URL: server.url, NEWSDESK_BATCH_POLL_MS: "100,500" },
    );
    if (result.code !== 0) throw new Error(`${via}: exit ${result.code}: ${result.stderr}`);
    const figures = JSON.parse(readFileSync(report, "utf8"));
    const batchCalls = figures.batch?.calls.batch ?? 0;
    costs.push(figures.cost.usd);
    console.log(`| ${via} | ${fmt((Date.now() - started) / 1000, 1)} s | ${fmt(per1000(figures.usage.calls), 0)} | ${fmt(per1000(batchCalls), 0)} | ${fmt(per1000(figures.usage.calls - batchCalls), 0)} | $${fmt(per1000(figures.cost.usd), 4)} |`);
  }
  console.log(`cost ratio batch / synchronous: ${fmt(costs[1]! / costs[0]!, 3)}`);
  await server.close();
}

function runCommand(command: string, args: string[], extraEnv: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", OPENAI_API_KEY: "not-needed", ...extraEnv },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

const total = Date.now();
if (!skip.has("compare")) await compare();
if (!skip.has("invalid")) await invalid();
if (!skip.has("warm")) await warm();
if (!skip.has("rss")) await rss();
if (!skip.has("batch")) await batch();
console.log(`\nbench finished in ${fmt((Date.now() - total) / 1000, 0)} s`);
