// Safe runs (issue 10): what reaches a slow or vanished reader, what a broken batch costs, how
// configuration faults, quota, hung servers, garbage bodies, cache problems and hostile servers end.
// Every case runs the real CLI (or the library) against a real local server.
import { describe, expect, it } from "vitest";
import { useOpenAIServer } from "./support/use-server.ts";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startOpenAIServer } from "./support/openai-server.ts";
import { describeRequest, fakeModel } from "./support/fake-model.ts";
import { articlesJsonl, writeArticleFiles } from "./support/articles.ts";
import { collected, runCli } from "./support/cli.ts";
import { cliEnv, ROOT, SECRET_KEY, tempDir, testPipeline } from "./support/setup.ts";
import { createScheduler } from "../src/model/scheduler.ts";
import { runBatch } from "../src/run/batch.ts";
import { readArticles } from "../src/article/index.ts";
import { redactSecrets } from "../src/core/secrets.ts";


// The test server: its request log cleared and the fake model back in place before each test.
const server = useOpenAIServer();

const env = (extra: Record<string, string> = {}) => cliEnv(server, extra);

/** Runs a shell pipeline whose first command is newsdesk. */
function runShell(command: string, extraEnv: Record<string, string>) {
  return collected(spawn("bash", ["-o", "pipefail", "-c", command], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...extraEnv } }));
}

const NEWSDESK = `node ${path.join(ROOT, "bin/newsdesk.js")}`;

describe("stdout reaches the reader", () => {
  it("delivers all 2,000 results to a reader that starts reading 2 s late", async () => {
    const feed = path.join(tempDir(), "feed.jsonl");
    writeFileSync(feed, articlesJsonl(2000));
    const result = await runShell(`${NEWSDESK} summarize ${feed} --jsonl --lang en --no-cache -q --concurrency 16 | (sleep 2; wc -l)`, env());
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("2000");
    expect(result.code).toBe(0);
  }, 120_000);

  it("ends quietly when the reader goes away (| head -1), keeping what the cache holds", async () => {
    const feed = path.join(tempDir(), "feed.jsonl");
    writeFileSync(feed, articlesJsonl(300));
    const xdg = tempDir();
    const result = await runShell(`${NEWSDESK} summarize ${feed} --jsonl --lang en --concurrency 2 | head -1`, env({ XDG_CACHE_HOME: xdg }));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).languages.en.summary).toBeTruthy();
    expect(result.stderr).not.toMatch(/EPIPE|Error|at .*\.ts:/);
    // It stopped instead of paying for results nobody reads.
    expect(server.requests.length).toBeLessThan(300);
    expect(existsSync(path.join(xdg, "newsdesk", "cache.sqlite"))).toBe(true);
  }, 60_000);
});

describe("calls are bounded", () => {
  it("an all-invalid batch stops after its first 10 articles failed, at repairs + 1 calls per task", async () => {
    server.setHandler(() => ({ content: "this is not json" }));
    const dir = tempDir();
    writeArticleFiles(dir, 150);
    const result = await runCli(["summarize", dir, "--lang", "de", "--no-cache", "--concurrency", "2", "-q"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped: the first 10 articles all failed; most common reason: .*not valid JSON/);
    expect(result.stderr).toMatch(/articles? not done; finished work is kept; to resume: newsdesk summarize /);
    // Each failed task paid exactly 3 calls (1 + 2 repairs); queued calls were cancelled at the stop,
    // so only the 10 articles and the 2 in flight (--concurrency 2) were paid for.
    expect(server.requests.length).toBeLessThanOrEqual(3 * 12);
    expect(result.stderr).not.toMatch(/interrupted/);
  }, 60_000);
});

describe("configuration faults stop at the first, exit 2, one line", () => {
  it("a rejected key (401)", async () => {
    server.setHandler(() => ({ status: 401, message: `Incorrect API key provided: ${SECRET_KEY}.`, code: "invalid_api_key" }));
    const dir = tempDir();
    writeArticleFiles(dir, 40);
    const result = await runCli(["summarize", dir, "--no-cache", "--concurrency", "2"], { env: env() });
    expect(result.code).toBe(2);
    expect(server.requests.length).toBeLessThanOrEqual(2);
    expect(result.stderr).toMatch(/rejected the API key \(401: Incorrect API key provided: \[redacted\]\.\): check OPENAI_API_KEY/);
    expect(result.stderr.match(/401/g)).toHaveLength(1);
    expect(result.stderr).not.toContain(SECRET_KEY);
  });

  it("a server that refuses connections, named by its URL, in well under the retry budget", async () => {
    const closed = await startOpenAIServer();
    const url = closed.url;
    await closed.close();
    const dir = tempDir();
    writeArticleFiles(dir, 20);
    const started = Date.now();
    const result = await runCli(["summarize", dir, "--no-cache"], { env: env({ OPENAI_BASE_URL: url }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot reach the model server at ${url} (OPENAI_BASE_URL): connection refused`);
    expect(result.stderr.trim().split("\n").filter((l) => l.includes("connection refused"))).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("OPENAI_BASE_URL that is not a URL", async () => {
    const result = await runCli(["translate", "samples/putin-beijing.txt", "--to", "de", "--no-cache"], { env: env({ OPENAI_BASE_URL: "not-a-url" }) });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('newsdesk: OPENAI_BASE_URL="not-a-url" is not a URL (expected e.g. http://127.0.0.1:11434/v1)');
  });

  it("an unknown model (404)", async () => {
    server.setHandler(() => ({ status: 404, message: "The model `gpt-nope` does not exist", code: "model_not_found" }));
    const result = await runCli(["translate", "samples/putin-beijing.txt", "--to", "de", "--no-cache", "-m", "gpt-nope"].filter((a) => a !== "-m" && a !== "gpt-nope").concat(["--model", "gpt-nope"]), { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/model "gpt-nope" or the chat endpoint not found .*\(404\)/);
    expect(server.requests).toHaveLength(1);
  });
});

describe("quota", () => {
  it("exhausted: exit 1, the articles not done counted, and the command to resume", async () => {
    server.setHandler((body, i) => (i < 3 ? fakeModel(body) : { status: 429, code: "insufficient_quota", message: "You exceeded your current quota" }));
    const dir = tempDir();
    writeArticleFiles(dir, 50);
    const out = tempDir();
    const result = await runCli(["summarize", dir, "--lang", "de", "--concurrency", "1", "--out", out, "-q"], { env: env() });
    expect(result.code).toBe(1);
    const line = result.stderr.split("\n").find((l) => l.includes("stopped:"))!;
    expect(line).toMatch(/insufficient quota/);
    const notDone = Number(/; (\d+) articles not done;/.exec(line)![1]);
    const written = readdirSync(out).filter((f) => f.endsWith(".json")).length;
    expect(written).toBe(3);
    expect(written + notDone).toBe(50);
    expect(line).toMatch(/to resume: newsdesk summarize .* --lang de --concurrency 1 --out /);
  });

  it("newsletter: exit 1 and says so, instead of printing nothing with exit 0", async () => {
    server.setHandler(() => ({ status: 429, code: "insufficient_quota", message: "You exceeded your current quota" }));
    const dir = tempDir();
    writeArticleFiles(dir, 5);
    const result = await runCli(["newsletter", dir, "--no-cache"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped: insufficient quota.*5 articles not done/);
  });
});

describe("hung servers and bad bodies", () => {
  it("a server that never answers: --timeout bounds each call, one more try, then the article fails", async () => {
    server.setHandler(() => ({ delayMs: 60_000, then: { content: "{}" } }));
    const started = Date.now();
    const result = await runCli(["translate", "samples/putin-beijing.txt", "--to", "de", "--no-cache", "--timeout", "1"], { env: env() });
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/did not answer within 1 s \(--timeout\) \(gave up after 2 attempts/);
    expect(server.requests).toHaveLength(2);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("a 200 whose body is not JSON is retried and said for what it is", async () => {
    server.setHandler((body, i) => (i === 0 ? { raw: "<html>oops" } : i === 1 ? { raw: "" } : fakeModel(body)));
    const result = await runCli(["translate", "samples/putin-beijing.txt", "--to", "de", "--no-cache", "--json"], { env: env() });
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(JSON.parse(result.stdout).languages.de.paragraphs).toHaveLength(12);
  });

  it("a server that always sends garbage: retried within the call's budget, and the failure names the bad body", async () => {
    server.setHandler(() => ({ raw: "garbage", contentType: "text/plain" }));
    const dir = tempDir();
    writeArticleFiles(dir, 1);
    const scheduler = createScheduler({ maxConcurrency: 2, baseDelayMs: 5 });
    const pipeline = testPipeline(server.url, { tasks: ["digest"], limiter: scheduler.run, cache: null });
    const summary = await runBatch(readArticles([dir]), pipeline);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]!.reason).toMatch(/answered 200 with a body that is not a chat completion \(gave up after 6 attempts/);
    expect(server.requests).toHaveLength(6);
    expect(summary.usage.calls).toBe(0); // nothing was answered, nothing is billed
  });
});

describe("--dry-run", () => {
  it("shows the worst case beside the expected calls", async () => {
    const result = await runCli(["run", "samples/putin-beijing.txt", "--dry-run", "--no-cache", "--repairs", "3"], { env: env() });
    expect(result.code).toBe(0);
    // One joint call; at worst each of its two parts spends its 3 repairs on its own.
    expect(result.stdout).toMatch(/^calls: 1 \(1 translate\+digest\)/m);
    expect(result.stdout).toMatch(/^worst case: 7 calls, about \$[\d.]+ \(every answer invalid until its 3 repairs are spent/m);
    expect(server.requests).toHaveLength(0);
  });
});

describe("the key never leaks", () => {
  it("a key with surrounding white space, echoed back plain, base64, upper-case and spaced, appears nowhere", async () => {
    const echoes = [
      SECRET_KEY,
      Buffer.from(`Bearer ${SECRET_KEY}`).toString("base64"),
      SECRET_KEY.toUpperCase(),
      SECRET_KEY.split("").join(" "),
    ];
    server.setHandler((_body, i) => ({ status: 400, message: `bad request; you sent ${echoes[i % echoes.length]}` }));
    const report = path.join(tempDir(), "report.json");
    const result = await runCli(["summarize", "samples/putin-beijing.txt", "--no-cache", "--report", report], {
      env: env({ OPENAI_API_KEY: `  ${SECRET_KEY} ` }),
    });
    expect(result.code).toBe(1);
    const everything = result.stdout + result.stderr + readFileSync(report, "utf8");
    for (const echo of echoes) expect(everything).not.toContain(echo);
    expect(everything.toLowerCase()).not.toContain(SECRET_KEY.toLowerCase().slice(8));
    expect(result.stderr).toMatch(/\[redacted\]/);
  });

  it("an answer that contains the key is invalid: never cached, never written", async () => {
    server.setHandler((body) => {
      const reply = fakeModel(body) as { json?: { digest?: { de?: { summary: string } } } };
      const text = JSON.stringify((reply as { json: unknown }).json).replace(/"summary":"/g, `"summary":"${SECRET_KEY} `);
      return { content: text };
    });
    const out = tempDir();
    const cache = path.join(tempDir(), "cache.sqlite");
    const result = await runCli(["summarize", "samples/putin-beijing.txt", "--lang", "de", "--out", out, "--cache", cache], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/contains the API key/);
    expect(server.requests).toHaveLength(3);
    for (const file of readdirSync(out)) expect(readFileSync(path.join(out, file), "utf8")).not.toContain(SECRET_KEY);
    expect(readFileSync(cache).toString("latin1")).not.toContain(SECRET_KEY);
  });

  it("scrubs base64 at any alignment, case-folded and spaced forms", () => {
    const key = "sk-proj-AbCdEf0123456789xyz";
    for (const prefix of ["", "a", "ab", "Authorization: Bearer "]) {
      const b64 = Buffer.from(prefix + key + "!").toString("base64");
      expect(redactSecrets(`echo ${b64} end`, [key])).not.toContain(Buffer.from(key).toString("base64").slice(4, 20));
    }
    expect(redactSecrets(`x ${key.toLowerCase()} y`, [key])).toBe("x [redacted] y");
    expect(redactSecrets(`x ${key.split("").join(" ")} y`, [key])).toBe("x [redacted] y");
  });
});

describe("paths are checked before the first call", () => {
  it("--out naming a file: exit 2, no call", async () => {
    const file = path.join(tempDir(), "out.txt");
    writeFileSync(file, "x");
    const result = await runCli(["run", "samples/putin-beijing.txt", "--out", file, "--no-cache"], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`newsdesk: --out ${file}: is a file, not a folder`);
    expect(server.requests).toHaveLength(0);
  });

  it("--report naming a folder: exit 2, no call, no temp file left", async () => {
    const dir = tempDir();
    const result = await runCli(["run", "samples/putin-beijing.txt", "--report", dir, "--no-cache", "--jsonl"], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--report .*: is a folder; name a file/);
    expect(server.requests).toHaveLength(0);
    expect(readdirSync(path.dirname(dir)).filter((f) => f.startsWith(path.basename(dir)) && f.endsWith(".tmp"))).toEqual([]);
  });

  it("an article whose result cannot be written is failed, not done and failed", async () => {
    const out = tempDir();
    // A folder where the result file must go.
    const first = await runCli(["summarize", "samples/putin-beijing.txt", "--lang", "de", "--jsonl", "--no-cache"], { env: env() });
    const id = JSON.parse(first.stdout).id;
    mkdirSync(path.join(out, `${id}.json`));
    const result = await runCli(["summarize", "samples/putin-beijing.txt", "--lang", "de", "--out", out, "--no-cache"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/0\/1 article done, 1 failed/);
    expect(result.stderr).toMatch(/cannot write the result/);
    expect(readdirSync(out).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("cache file problems", () => {
  it("a file that is not a database: exit 2 naming it and the way out; cache clear recovers it", async () => {
    const cache = path.join(tempDir(), "cache.sqlite");
    writeFileSync(cache, "this is not a database, just text that happens to be here ".repeat(100));
    const result = await runCli(["summarize", "samples/putin-beijing.txt", "--cache", cache], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `newsdesk: cache ${cache}: not an SQLite database; run \`newsdesk cache clear --cache ${cache}\` to start afresh, or point --cache elsewhere (--no-cache for none)`,
    );
    expect(server.requests).toHaveLength(0);
    const cleared = await runCli(["cache", "clear", "--cache", cache], { env: env() });
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/not a usable cache.*removed it/);
    const again = await runCli(["summarize", "samples/putin-beijing.txt", "--cache", cache, "-q"], { env: env() });
    expect(again.code).toBe(0);
  });

  it("--cache /dev/null, a folder, or a path under a file: exit 2, one line, no call", async () => {
    const file = path.join(tempDir(), "plain-file");
    writeFileSync(file, "x");
    for (const [cache, problem] of [
      ["/dev/null", "is not a regular file"],
      [tempDir(), "is a folder, not a file"],
      [path.join(file, "cache.sqlite"), `cannot create its folder ${file} (a file is in the way)`],
    ] as const) {
      const result = await runCli(["summarize", "samples/putin-beijing.txt", "--cache", cache], { env: env() });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`cache ${cache}: ${problem}`);
    }
    expect(server.requests).toHaveLength(0);
  });

  it("cache stats on a missing path creates nothing", async () => {
    const missing = path.join(tempDir(), "a", "b", "cache.sqlite");
    const result = await runCli(["cache", "stats", "--cache", missing], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no cache at .*nothing cached yet/);
    expect(existsSync(path.dirname(missing))).toBe(false);
  });
});

/** A tiny tmpfs, where this machine lets the test mount one (root, as in CI); else null. */
function tinyFilesystem(sizeKb: number): string | null {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return null;
  const dir = tempDir("newsdesk-tmpfs-");
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir]);
  return mounted.status === 0 ? dir : null;
}

function unmount(dir: string) {
  spawnSync("umount", ["-l", dir]);
}

describe("paid answers survive a cache that cannot be written", () => {
  it("read-only cache file: every article done, every call counted, one warning naming the file", async (ctx) => {
    const cache = path.join(tempDir(), "cache.sqlite");
    const init = await runCli(["cache", "clear", "--cache", cache], { env: env() });
    expect(init.code).toBe(0);
    // root ignores file modes: make the file immutable instead (where the filesystem allows).
    const root = process.getuid?.() === 0;
    if (root ? spawnSync("chattr", ["+i", cache]).status !== 0 : (chmodSync(cache, 0o444), false)) {
      return ctx.skip("cannot make a file read-only here (chattr)");
    }
    try {
      const articles = tempDir();
      writeArticleFiles(articles, 10);
      const out = tempDir();
      const report = path.join(tempDir(), "report.json");
      const result = await runCli(["summarize", articles, "--lang", "de", "--cache", cache, "--out", out, "--report", report], { env: env() });
      expect(result.code).toBe(0);
      expect(readdirSync(out).filter((f) => f.endsWith(".json"))).toHaveLength(10);
      const figures = JSON.parse(readFileSync(report, "utf8"));
      expect(figures.usage.calls).toBe(10);
      expect(figures.usage.calls).toBe(server.requests.length);
      expect(figures.cost.usd).toBeGreaterThan(0);
      const warnings = [...new Set(result.stderr.split("\n").filter((l) => l.startsWith("newsdesk: warning:")))];
      expect(warnings).toEqual([`newsdesk: warning: cache ${cache}: is read-only; answers are kept in the output but not cached, so a rerun pays for them again`]);
    } finally {
      if (root) spawnSync("chattr", ["-i", cache]);
    }
  });

  it("a cache on a read-only filesystem that cannot even be opened: exit 2 before any call", async (ctx) => {
    const dir = tinyFilesystem(2048);
    if (!dir) return ctx.skip("needs root to mount a read-only tmpfs");
    try {
      const cache = path.join(dir, "cache.sqlite");
      expect((await runCli(["cache", "clear", "--cache", cache], { env: env() })).code).toBe(0);
      expect(spawnSync("mount", ["-o", "remount,ro", dir]).status).toBe(0);
      const result = await runCli(["summarize", "samples/putin-beijing.txt", "--cache", cache], { env: env() });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toMatch(new RegExp(`^newsdesk: cache ${cache}: cannot be opened \\(.*\\); check the folder's permissions, or point --cache elsewhere$`));
      expect(server.requests).toHaveLength(0);
    } finally {
      unmount(dir);
    }
  });

  it("full disk: every article done, every call counted", async (ctx) => {
    const dir = tinyFilesystem(160);
    if (!dir) return ctx.skip("needs root to mount a tiny tmpfs");
    try {
      const cache = path.join(dir, "cache.sqlite");
      const articles = tempDir();
      writeArticleFiles(articles, 60);
      const out = tempDir();
      const report = path.join(tempDir(), "report.json");
      const result = await runCli(["summarize", articles, "--lang", "de,en", "--cache", cache, "--out", out, "--report", report, "-q"], { env: env() });
      expect(result.code).toBe(0);
      expect(readdirSync(out).filter((f) => f.endsWith(".json"))).toHaveLength(60);
      const figures = JSON.parse(readFileSync(report, "utf8"));
      expect(figures.done).toBe(60);
      expect(figures.usage.calls).toBe(60);
      expect(result.stderr).toContain(`cache ${cache}: cannot grow: the disk is full`);
    } finally {
      unmount(dir);
    }
  });
});

describe("--max-cost", () => {
  it("stops starting articles once the estimate reaches the limit, and says how to resume", async () => {
    const dir = tempDir();
    writeArticleFiles(dir, 40);
    const result = await runCli(["summarize", dir, "--lang", "de", "--no-cache", "--concurrency", "1", "--max-cost", "0.0003", "-q"], { env: env() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stopped: the estimated cost reached the --max-cost limit of \$0.0003; \d+ articles not done; finished work is kept; to resume/);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.length).toBeLessThan(40);
  });
});
