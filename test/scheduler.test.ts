// The adaptive scheduler against the local server: rate limits (rps window, retry-after),
// insufficient quota, transient faults, AIMD, abort.
import { afterEach, describe, expect, it } from "vitest";
import { startOpenAIServer, type TestServer } from "./support/openai-server.ts";
import { fakeModel } from "./support/fake-model.ts";
import { seededRandom, writeArticleFiles } from "./support/articles.ts";
import { tempDir, testPipeline } from "./support/setup.ts";
import { readArticles } from "../src/article/index.ts";
import { runBatch } from "../src/run/batch.ts";
import { createScheduler, type SchedulerOptions } from "../src/model/scheduler.ts";
import { parseDuration, retryAfterMs } from "../src/model/headers.ts";

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function batchSetup(url: string, schedulerOptions: Partial<SchedulerOptions> = {}) {
  const controller = new AbortController();
  const scheduler = createScheduler({ maxConcurrency: 8, baseDelayMs: 20, random: seededRandom(1), signal: controller.signal, ...schedulerOptions });
  const pipeline = testPipeline(url, { tasks: ["digest"], limiter: scheduler.run, signal: controller.signal });
  return { scheduler, pipeline, controller };
}

describe("scheduler", () => {
  it("paces a batch to the server's rate: no failures, wall time near calls / R", async () => {
    const R = 20;
    server = await startOpenAIServer({ rps: R, latencyMs: 50 });
    const dir = tempDir();
    writeArticleFiles(dir, 100);
    const { scheduler, pipeline } = batchSetup(server.url);
    const started = Date.now();
    const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 16 });
    const wall = Date.now() - started;
    expect(summary.failures).toEqual([]);
    expect(summary.done).toBe(100);
    expect(server.admitted()).toBe(100);
    expect(server.rateLimited()).toBeGreaterThan(0); // the limit was really met
    expect(scheduler.stats().rateLimited).toBe(server.rateLimited());
    const ideal = (100 / R) * 1000;
    expect(wall).toBeLessThanOrEqual(1.25 * ideal);
  });

  it("waits retry-after-ms, and retry-after in seconds, before asking again", async () => {
    const arrivals: number[] = [];
    server = await startOpenAIServer({
      handler: (body, i) => {
        arrivals.push(Date.now());
        if (i === 0) return { status: 429, message: "slow down", headers: { "retry-after-ms": "400" } };
        if (i === 1) return { status: 429, message: "slow down", headers: { "retry-after": "1" } };
        return fakeModel(body);
      },
    });
    const dir = tempDir();
    writeArticleFiles(dir, 1);
    const { pipeline } = batchSetup(server.url);
    const summary = await runBatch(readArticles([dir]), pipeline);
    expect(summary.done).toBe(1);
    expect(arrivals).toHaveLength(3);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(390);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(990);
  });

  it("halves the limit on 429s and raises it again when they stop (AIMD)", async () => {
    server = await startOpenAIServer({
      handler: (body, i) => (i < 3 ? { status: 429, headers: { "retry-after-ms": "50" } } : fakeModel(body)),
    });
    const dir = tempDir();
    writeArticleFiles(dir, 60);
    const limits: number[] = [];
    const { scheduler, pipeline } = batchSetup(server.url, { onEvent: (e) => e.type === "limit" && limits.push(e.limit) });
    const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 16 });
    expect(summary.done).toBe(60);
    expect(scheduler.stats().minLimitSeen).toBe(4);
    expect(limits[0]).toBe(4);
    expect(scheduler.stats().limit).toBe(8);
  });

  it("stops the batch on insufficient_quota: no retries, one message", async () => {
    server = await startOpenAIServer({
      handler: () => ({ status: 429, code: "insufficient_quota", message: "You exceeded your current quota" }),
    });
    const dir = tempDir();
    writeArticleFiles(dir, 40);
    const { pipeline } = batchSetup(server.url, { maxConcurrency: 2 });
    const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 4 });
    expect(summary.stopped).toMatchObject({ kind: "quota", reason: expect.stringMatching(/insufficient quota/) });
    expect(summary.failures).toEqual([]);
    expect(summary.done).toBe(0);
    expect(server.requests.length).toBeLessThanOrEqual(2);
    expect(summary.articles).toBeLessThan(40); // no more articles started
    // Every article is accounted for: the ones cut short and the ones never started.
    expect(summary.cancelled + summary.notStarted).toBe(40);
  });

  it("an answer still invalid after its repairs costs repairs + 1 calls, never more, and all are counted", async () => {
    server = await startOpenAIServer({ handler: () => ({ content: "no json" }) });
    const dir = tempDir();
    writeArticleFiles(dir, 1);
    const { pipeline } = batchSetup(server.url);
    const summary = await runBatch(readArticles([dir]), pipeline);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]!.reason).toMatch(/still invalid after 2 repairs/);
    expect(server.requests).toHaveLength(3);
    expect(summary.usage.calls).toBe(3);
  });

  it("a 5xx in the middle of a repair conversation is retried as that call; the repairs do not start over", async () => {
    server = await startOpenAIServer({
      handler: (body, i) => (i === 0 ? { content: "no json" } : i === 1 ? { status: 500, message: "oops" } : fakeModel(body)),
    });
    const dir = tempDir();
    writeArticleFiles(dir, 1);
    const { pipeline } = batchSetup(server.url);
    const summary = await runBatch(readArticles([dir]), pipeline);
    expect(summary.done).toBe(1);
    expect(server.requests).toHaveLength(3);
    // The repair (third request) carries the first, invalid answer: it is the same conversation.
    expect(server.requests[2]!.messages.some((m) => m.role === "assistant" && m.content === "no json")).toBe(true);
    expect(summary.usage.calls).toBe(2); // the 500 was not an answer
  });

  it("retries 5xx and hang-ups with backoff, and gives up after the attempt budget", async () => {
    server = await startOpenAIServer({ handler: (_body, i) => (i % 2 ? { hangup: true } : { status: 503, message: "overloaded" }) });
    const dir = tempDir();
    writeArticleFiles(dir, 1);
    const { pipeline } = batchSetup(server.url, { maxAttempts: 4 });
    const summary = await runBatch(readArticles([dir]), pipeline);
    expect(server.requests).toHaveLength(4);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]!.reason).toMatch(/gave up after 4 attempts/);
  });

  it("cancels waiting and in-flight calls on abort", async () => {
    server = await startOpenAIServer({ latencyMs: 5000 });
    const dir = tempDir();
    writeArticleFiles(dir, 10);
    const { pipeline, controller } = batchSetup(server.url, { maxConcurrency: 2 });
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const summary = await runBatch(readArticles([dir]), pipeline, { signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(summary.interrupted).toBe(true);
    expect(summary.failures).toEqual([]);
    expect(summary.done).toBe(0);
  });

  it("reads retry-after headers and rate-limit durations", () => {
    expect(retryAfterMs({ "retry-after-ms": "250", "retry-after": "9" })).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    expect(retryAfterMs(new Headers({ "retry-after": new Date(Date.now() + 3000).toUTCString() }))).toBeGreaterThan(1000);
    expect(retryAfterMs(new Headers())).toBeNull();
    expect(parseDuration("6m0s")).toBe(360_000);
    expect(parseDuration("12ms")).toBe(12);
    expect(parseDuration("1.5s")).toBe(1500);
  });
});

