// Issue 16, pacing from the provider's own headers: the scheduler spreads the remaining budget
// (x-ratelimit-remaining/-reset, requests and tokens) over the time until it refills, so 429s are
// rare; after a 429 with a coarse retry-after it probes with one call as soon as the headers say a
// slot is free, and releases the rest when that call passes.
// The speed target itself (<= 1.10 x ideal) is measured by `npm run bench` (issue 16 section: 1.06
// and 1.03). Here the wall bound is 1.5 x ideal, what a test can hold on a loaded 2-core machine
// (1.10 failed under load from other jobs); what tells this scheduler from the old one is the 429
// count (the old one met these limits with 30 and 390 429s, in about the same wall time).
import { afterEach, describe, expect, it } from "vitest";
import { startOpenAIServer, type ServerOptions, type TestServer } from "./support/openai-server.ts";
import { fakeModel } from "./support/fake-model.ts";
import { writeArticleFiles } from "./support/articles.ts";
import { tempDir, testPipeline } from "./support/setup.ts";
import { readArticles } from "../src/article/index.ts";
import { runBatch } from "../src/run/batch.ts";
import { createScheduler, paceGapMs, slotWaitMs, type Scheduler } from "../src/model/scheduler.ts";
import { createModelClient } from "../src/model/create.ts";

/** A pipeline whose client tells the scheduler every answer's rate-limit headers, as the CLI wires it. */
const paced = (url: string, scheduler: Scheduler) =>
  testPipeline(url, { tasks: ["digest"], limiter: scheduler.run, client: createModelClient({ baseURL: url, maxRetries: 0, onRateHint: scheduler.observe }) });

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function batch(options: ServerOptions, articles: number) {
  server = await startOpenAIServer({ latencyMs: 50, ...options });
  const dir = tempDir();
  writeArticleFiles(dir, articles);
  const scheduler = createScheduler({ maxConcurrency: 8 });
  const pipeline = paced(server.url, scheduler);
  const started = Date.now();
  const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 16 });
  return { summary, wall: Date.now() - started, scheduler };
}

describe("pacing from rate-limit headers", () => {
  it("a server admitting R requests/s with a coarse fixed retry-after (200 ms): near the ideal, 429s rare", async () => {
    const R = 20;
    const { summary, wall } = await batch({ rps: R, limiter: "bucket", retryAfterMs: 200 }, 100);
    expect(summary.failures).toEqual([]);
    expect(server!.admitted()).toBe(100);
    // The bucket holds 1 s worth at the start: the ideal is the rest at R per second.
    const ideal = ((100 - R) / R) * 1000;
    expect(wall).toBeLessThanOrEqual(1.5 * ideal);
    expect(server!.rateLimited()).toBeLessThanOrEqual(5);
  });

  it("a server limiting tokens per minute: near the ideal, 429s rare", async () => {
    // About 20 digest calls per second; the bucket holds 1 s worth.
    const tpm = 20 * 60 * 600;
    const { summary, wall } = await batch({ tpm, tokenWindowMs: 1000, retryAfterMs: 200 }, 100);
    expect(summary.failures).toEqual([]);
    const perMs = tpm / 60_000;
    const ideal = (summary.usage.promptTokens - tpm / 60) / perMs;
    expect(wall).toBeLessThanOrEqual(1.5 * ideal);
    expect(server!.rateLimited()).toBeLessThanOrEqual(5);
  });

  it("after a 429 with a coarse retry-after (1 s), one call probes when the headers say a slot is free; the rest wait for it", async () => {
    const arrivals: { at: number; index: number }[] = [];
    server = await startOpenAIServer({
      handler: (body, index) => {
        arrivals.push({ at: Date.now(), index });
        // The first three calls meet the limit; the headers say one request frees up every 50 ms.
        if (index < 3) {
          return { status: 429, message: "slow down", headers: { "retry-after-ms": "1000", "x-ratelimit-limit-requests": "20", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1s" } };
        }
        return { delayMs: 100, then: fakeModel(body) };
      },
    });
    const dir = tempDir();
    writeArticleFiles(dir, 3);
    const scheduler = createScheduler({ maxConcurrency: 3 });
    const pipeline = paced(server.url, scheduler);
    const started = Date.now();
    const summary = await runBatch(readArticles([dir]), pipeline, { articlesInFlight: 3 });
    expect(summary.done).toBe(3);
    const retries = arrivals.filter((a) => a.index >= 3);
    // The probe went out long before the 1 s retry-after, alone; the others only after its answer (100 ms).
    expect(retries[0]!.at - started).toBeLessThan(600);
    expect(retries[1]!.at - retries[0]!.at).toBeGreaterThanOrEqual(95);
  });

  it("reads the budget: the wait for one slot and the spacing that spreads what is left until it refills", () => {
    // 20 requests refill in 1 s (limit 20, none left): a slot every 50 ms.
    expect(slotWaitMs({ limitRequests: 20, remainingRequests: 0, resetRequestsMs: 1000 }, 0)).toBe(50);
    expect(slotWaitMs({ remainingRequests: 0, resetRequestsMs: 1000 }, 0)).toBe(1000);
    expect(slotWaitMs({ remainingRequests: 3, resetRequestsMs: 1000 }, 0)).toBe(0);
    // Tokens: 600 needed, 200 left, 10,000 refill in 1 s (9,800 missing): 400 / 9.8 per ms.
    expect(slotWaitMs({ limitTokens: 10_000, remainingTokens: 200, resetTokensMs: 1000 }, 600)).toBeCloseTo(40.8, 1);
    // Half the budget left, full again in 500 ms: spread 10 requests over it.
    expect(paceGapMs({ remainingRequests: 10, resetRequestsMs: 500 }, 0)).toBe(50);
    expect(paceGapMs({ remainingRequests: 10, resetRequestsMs: 500, remainingTokens: 6000, resetTokensMs: 600 }, 600)).toBe(60);
    expect(paceGapMs({}, 600)).toBe(0);
  });
});
