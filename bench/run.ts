// npm run bench: newsdesk against the script a user would otherwise write, on the local
// OpenAI-compatible server with a latency and a requests-per-second limit; then newsdesk's
// warm-cache speed and its peak memory on 10,000 articles.
//   BENCH_ARTICLES (300), BENCH_RPS (20), BENCH_LATENCY_MS (200), BENCH_CONCURRENCY (8),
//   BENCH_WARM (2000), BENCH_RSS_ARTICLES (10000), BENCH_BATCH_ARTICLES (1000),
//   BENCH_SKIP (comma list: issue16,cpu,compare,invalid,warm,rss,batch)
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
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
import { naiveBatch, naiveHandler } from "./naive.ts";
import { registerTranslation } from "../test/support/fake-model.ts";
import { articlesOf, measureNaive, measureNewsdesk, type RunFigures } from "./tokens.ts";
import { countTokens } from "../src/core/tokens.ts";

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

// ---- Issue 16: tokens and pacing, newsdesk against the 7-call script, in one run on one server kind.
// BENCH16_ARTICLES (120), BENCH16_WMT (../shared/data/wmt), BENCH_SKIP=issue16

/** The WMT19 news documents (real wire-length stories, en and de) as articles, if the folder is there. */
function wmtArticles(): Article[] {
  const dir = process.env.BENCH16_WMT ?? path.resolve(ROOT, "../shared/data/wmt");
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => {
      const doc = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as { docid: string; srclang: string; tgtlang: string; source: string[]; reference: string[] };
      const [title, ...paragraphs] = doc.source;
      // The test model answers the translation with the human reference (as npm run test:corpus does).
      registerTranslation(title!, doc.tgtlang, { title: doc.reference[0]!, paragraphs: doc.reference.slice(1) });
      return { id: doc.docid, title: title!, published: null, credit: null, lang: doc.srclang, paragraphs, url: null, source: { path: f } };
    });
  } catch {
    return [];
  }
}

async function issue16() {
  const fmt2 = (n: number) => fmt(n);
  const ratio = (a: number, b: number) => `${fmt(a / b, 1)}x`;
  console.log("\n## Issue 16: billed prompt tokens, cached share, completion tokens, CPU (no rate limit; o200k counts from the server's log)");
  console.log("billed = prompt tokens with the cached ones at half price (OpenAI's discount); full = every prompt token at the full price.");
  console.log("| articles | who | calls/article | billed / source token | full / source token | cached share | completion tokens/article | CPU ms/article |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  const sets: [string, Article[]][] = [
    ["seed (683 tokens)", await articlesOf([path.join(ROOT, "samples/putin-beijing.txt")])],
    ["WMT19 documents (8, 275-660 tokens)", wmtArticles()],
    ["generated stories (20, ~220 tokens)", await articlesOf("batch")],
  ];
  const line = (set: string, who: string, f: RunFigures) =>
    console.log(`| ${set} | ${who} | ${fmt2(f.calls / f.articles)} | ${fmt2(f.perSourceBilled)} | ${fmt2(f.perSource)} | ${Math.round((100 * f.cachedTokens) / f.promptTokens)}% | ${Math.round(f.completionTokens / f.articles)} | ${fmt(f.cpuMsPerArticle, 1)} |`);
  let avgCall = 0;
  // Warm-up (module loading, the tokenizer's tables), so that CPU per article is the steady state.
  await measureNewsdesk(await articlesOf("batch"), ["translate", "digest"]);
  await measureNaive(await articlesOf("batch"));
  for (const [name, articles] of sets) {
    if (!articles.length) continue;
    const run = await measureNewsdesk(articles, ["translate", "digest"]);
    const summarize = await measureNewsdesk(articles, ["digest"]);
    const naive = await measureNaive(articles);
    line(name, "newsdesk run", run);
    line(name, "newsdesk summarize", summarize);
    line(name, "7-call script", naive);
    console.log(`| ${name} | script ÷ newsdesk run | ${ratio(naive.calls, run.calls)} | ${ratio(naive.perSourceBilled, run.perSourceBilled)} | ${ratio(naive.perSource, run.perSource)} | | ${ratio(naive.completionTokens, run.completionTokens)} | ${ratio(naive.cpuMsPerArticle, run.cpuMsPerArticle)} |`);
    avgCall = run.promptTokens / run.calls;
  }

  // Pacing: the same generated stories against a server with OpenAI-like limits (buckets that refill,
  // x-ratelimit-* headers) that answers a 429 with a coarse fixed retry-after-ms of 200 ms.
  const n = env("BENCH16_ARTICLES", 120);
  const dir = tmp("newsdesk-bench16-");
  writeArticleFiles(dir, n);
  const articles = await collect(dir);
  const tpm = Math.round(15 * 60 * avgCall); // ~15 of newsdesk's calls per second
  console.log(`\n## Issue 16: wall ÷ ideal, run --lang de,en, ${n} articles, ${LATENCY} ms latency, concurrency ${CONCURRENCY}, retry-after-ms: 200 on every 429`);
  console.log(`ideal: the admitted calls (or prompt tokens) beyond the first second's bucket, at the server's rate; limits: ${RPS} requests/s, or ${tpm.toLocaleString("en")} tokens/min (bucket: 1 s worth)`);
  console.log("| limit | who | wall | ideal | wall ÷ ideal | calls | 429s | failed articles |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const [label, options] of [
    [`${RPS} requests/s`, { rps: RPS, limiter: "bucket" as const }],
    [`${tpm.toLocaleString("en")} tokens/min`, { tpm, tokenWindowMs: 1000 }],
  ] as const) {
    for (const who of ["newsdesk", "7-call script"] as const) {
      const server = await startOpenAIServer({ latencyMs: LATENCY, retryAfterMs: 200, tokens: countTokens, ...options, ...(who === "newsdesk" ? {} : { handler: naiveHandler }) });
      let wall: number;
      let failed: number;
      if (who === "newsdesk") {
        const { pipeline } = pipelineFor(server.url, path.join(tmp("newsdesk-bench-cache-"), "c.sqlite"), ["translate", "digest"], CONCURRENCY);
        const started = Date.now();
        const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: Math.max(16, 2 * CONCURRENCY) });
        wall = Date.now() - started;
        failed = summary.failures.length;
        pipeline.options.cache?.close();
      } else {
        const result = await naiveBatch(articles, { baseURL: server.url, concurrency: CONCURRENCY, languages: LANGS, translate: true });
        wall = result.wallMs;
        failed = result.failedArticles;
      }
      const ideal = "tpm" in options ? ((server.admittedTokens() - tpm / 60) / (tpm / 60_000)) : ((server.admitted() - RPS) / RPS) * 1000;
      console.log(`| ${label} | ${who} | ${fmt(wall / 1000, 1)} s | ${fmt(ideal / 1000, 1)} s | **${fmt(wall / ideal)}** | ${server.admitted()} | ${server.rateLimited()} | ${failed} |`);
      await server.close();
    }
  }
}

// ---- Issue 16, CPU per article: bench/cpu.ts (the model server in a child process, so only newsdesk's
// CPU is counted) on a long batch, where V8 has compiled the hot path; `npm run bench:cpu` alone
// shows 300 articles (compiler warm-up included) and the checks one by one. BENCH_CPU_ARTICLES (3000).
async function cpu() {
  const articles = process.env.BENCH_CPU_ARTICLES ?? "3000";
  console.log(`\n## CPU per article (issue 16): ${articles} articles, newsdesk's process only (npm run bench:cpu)`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, path.join(ROOT, "bench/cpu.ts")], {
      cwd: ROOT,
      env: { ...process.env, BENCH_CPU_ARTICLES: articles, BENCH_CPU_SKIP: "checks" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", () => {
      console.log(out.split("\n").filter((line) => line.startsWith("|") || line.startsWith("- ") || line.startsWith("CPU ms")).join("\n"));
      resolve();
    });
  });
}

const total = Date.now();
if (!skip.has("issue16")) await issue16();
if (!skip.has("cpu")) await cpu();
if (!skip.has("compare")) await compare();
if (!skip.has("invalid")) await invalid();
if (!skip.has("warm")) await warm();
if (!skip.has("rss")) await rss();
if (!skip.has("batch")) await batch();
console.log(`\nbench finished in ${fmt((Date.now() - total) / 1000, 0)} s`);
