// Resume and sharing: a batch killed with SIGKILL resumes without asking again for finished work,
// Ctrl-C stops cleanly, and two processes share one cache file at once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { startOpenAIServer, type TestServer } from "./support/openai-server.ts";
import { describeRequest } from "./support/fake-model.ts";
import { writeArticleFiles } from "./support/articles.ts";
import { runCli } from "./support/cli.ts";
import { ROOT, SECRET_KEY, tempDir } from "./support/setup.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startOpenAIServer({ latencyMs: 150 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const env = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY });

function startCli(args: string[]) {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/newsdesk.js"), ...args], { cwd: ROOT, env: env(), stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000) {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".json"));

/** Finished de,en digests in the cache (the pipeline also stores each language's part on its own). */
function cachedEntries(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM results WHERE value LIKE '%"de":%' AND value LIKE '%"en":%'`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("resume", () => {
  it("after SIGKILL mid-batch, the rerun asks for no finished task and every result file is whole", async () => {
    const dir = tempDir();
    writeArticleFiles(dir, 40);
    const out = tempDir();
    const cache = path.join(tempDir(), "cache.sqlite");
    const args = ["summarize", dir, "--out", out, "--cache", cache, "--concurrency", "4"];

    const first = startCli(args);
    await waitFor(() => jsonFiles(out).length >= 5);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const firstRequests = server.requests.length;
    expect(firstRequests).toBeLessThan(40);

    const finished = cachedEntries(cache);
    const writtenTitles = jsonFiles(out).map((f) => JSON.parse(readFileSync(path.join(out, f), "utf8")).source.title as string);
    expect(finished).toBeGreaterThanOrEqual(writtenTitles.length);
    server.requests.length = 0;

    const second = await runCli(args, { env: env() });
    expect(second.code).toBe(0);
    // Exactly the unfinished tasks are asked for, and none whose result was already written.
    expect(server.requests).toHaveLength(40 - finished);
    const asked = new Set(server.requests.map((r) => describeRequest(r).title));
    for (const title of writtenTitles) expect(asked.has(title)).toBe(false);
    expect(second.stderr).toMatch(new RegExp(`40/40 articles done, 0 failed, ${40 - finished} calls, ${finished} cache hits`));

    const files = jsonFiles(out);
    expect(files).toHaveLength(40);
    for (const f of files) expect(() => JSON.parse(readFileSync(path.join(out, f), "utf8"))).not.toThrow();
    // A temp file the killed run may have left behind is cleaned up by the rerun.
    expect(readdirSync(out).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }, 40_000);

  it("the rerun removes temp files of a killed writer, and leaves other files alone", async () => {
    const out = tempDir();
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => dead.on("close", r));
    writeFileSync(path.join(out, `story.json.${dead.pid}.abc123.tmp`), '{"half": ');
    writeFileSync(path.join(out, "notes.txt"), "mine");
    const dir = tempDir();
    writeArticleFiles(dir, 1);
    const result = await runCli(["summarize", dir, "--out", out, "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(readdirSync(out)).toContain("notes.txt");
  });

  it("Ctrl-C stops cleanly: requests cancelled, finished work kept, a summary printed", async () => {
    const dir = tempDir();
    writeArticleFiles(dir, 40);
    const out = tempDir();
    const cache = path.join(tempDir(), "cache.sqlite");
    const run = startCli(["summarize", dir, "--out", out, "--cache", cache, "--concurrency", "4", "--quiet"]);
    await waitFor(() => jsonFiles(out).length >= 3);
    const sent = Date.now();
    run.child.kill("SIGINT");
    const { code } = await run.exited;
    expect(Date.now() - sent).toBeLessThan(3000);
    expect(code).toBe(1);
    expect(run.stderr()).toMatch(/interrupted: \d+ done, \d+ cancelled/);
    expect(run.stderr()).not.toMatch(/failed .*abort/i);
    expect(jsonFiles(out).length).toBeLessThan(40);
    expect(cachedEntries(cache)).toBeGreaterThanOrEqual(jsonFiles(out).length);
  }, 30_000);
});

describe("one cache, two processes", () => {
  it("runs two batches at once on one cache file without 'database is locked'", async () => {
    const dirA = tempDir();
    const dirB = tempDir();
    writeArticleFiles(dirA, 40);
    writeArticleFiles(dirB, 40, 20); // half the articles shared
    const cache = path.join(tempDir(), "cache.sqlite");
    const [a, b] = await Promise.all([
      runCli(["summarize", dirA, "--jsonl", "--cache", cache, "--concurrency", "16", "--quiet"], { env: env() }),
      runCli(["summarize", dirB, "--jsonl", "--cache", cache, "--concurrency", "16", "--quiet"], { env: env() }),
    ]);
    expect(a.stderr).not.toMatch(/locked|busy/i);
    expect(b.stderr).not.toMatch(/locked|busy/i);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout.trim().split("\n")).toHaveLength(40);
    expect(b.stdout.trim().split("\n")).toHaveLength(40);
    expect(cachedEntries(cache)).toBe(60);
  }, 30_000);
});
