// The command line as editors use it (issue 11): warnings said once per article, --strict, merged
// result files, --json with --out, --version, -m, stdin by itself, validated numbers and variants,
// one escaped line per problem, and a closing line with warnings, retries and elapsed time.
import { describe, expect, it } from "vitest";
import { useOpenAIServer } from "./support/use-server.ts";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ChatRequestBody, Reply } from "./support/openai-server.ts";
import { describeRequest, fakeModel, fakeTranslation, translationReply } from "./support/fake-model.ts";
import { articlesJsonl, writeArticleFiles } from "./support/articles.ts";
import { runCli } from "./support/cli.ts";
import { cliEnv, ROOT, SECRET_KEY, tempDir } from "./support/setup.ts";
import Database from "better-sqlite3";
import { Cache } from "../src/core/cache.ts";
import { PageCache } from "../src/article/page-cache.ts";


/** German translations lose the numbers of paragraph 3: a soft finding that stays a warning. */
function droppingNumbers(body: ChatRequestBody): Reply {
  const info = describeRequest(body);
  if (info.task !== "translate") return fakeModel(body);
  const translation = fakeTranslation(info);
  translation.paragraphs[2] = translation.paragraphs[2]!.replace(/\d+(?:[.,:']\d+)*/g, "");
  return translationReply(translation);
}

// The test server: its request log cleared and the fake model back in place before each test.
const server = useOpenAIServer();

const env = (extra: Record<string, string> = {}) => cliEnv(server, extra);

describe("warnings", () => {
  it("one line per article with warnings (file, count, first), and the count in the closing line", async () => {
    server.setHandler(droppingNumbers);
    const dir = tempDir();
    const files = writeArticleFiles(dir, 3);
    const result = await runCli(["run", dir, "--out", tempDir(), "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    const lines = result.stderr.split("\n").filter((l) => l.startsWith("newsdesk: warning:"));
    expect(lines).toHaveLength(3);
    for (const file of files) {
      expect(lines.filter((l) => l.includes(file))).toHaveLength(1);
    }
    expect(lines[0]).toMatch(/: \d+ warnings?: translate de: number .* from paragraph 3 is missing in the translation$/);
    const total = lines.reduce((n, l) => n + Number(/: (\d+) warnings?:/.exec(l)![1]), 0);
    expect(result.stderr).toMatch(new RegExp(`3/3 articles done, 0 failed, \\d+ calls, 0 cache hits, ${total} warnings, 0 retries, .*, \\d+\\.\\d s\\n`));
  });

  it("--quiet hides them; --strict makes them failures and writes nothing for those articles", async () => {
    server.setHandler(droppingNumbers);
    const dir = tempDir();
    writeArticleFiles(dir, 2);
    const quiet = await runCli(["run", dir, "--jsonl", "--no-cache", "-q"], { env: env() });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
    const out = tempDir();
    const strict = await runCli(["run", dir, "--out", out, "--no-cache", "--strict"], { env: env() });
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/failed .*story-00001\.txt: \d+ warnings? \(--strict\): translate de: number/);
    expect(strict.stderr).toMatch(/0\/2 articles done, 2 failed/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe("results", () => {
  it("--out merges: summarize after run keeps the translations, run after summarize adds them", async () => {
    const out = tempDir();
    const cache = path.join(tempDir(), "c.sqlite");
    expect((await runCli(["run", "samples/putin-beijing.txt", "--out", out, "--cache", cache], { env: env() })).code).toBe(0);
    expect((await runCli(["summarize", "samples/putin-beijing.txt", "--lang", "de", "--out", out, "--cache", cache], { env: env() })).code).toBe(0);
    const json = readdirSync(out).find((f) => f.endsWith(".json"))!;
    const merged = JSON.parse(readFileSync(path.join(out, json), "utf8"));
    expect(merged.languages.de.paragraphs).toHaveLength(12);
    expect(merged.languages.en.paragraphs).toHaveLength(12);
    expect(merged.languages.de.summary).toBeTruthy();

    const other = tempDir();
    await runCli(["summarize", "samples/putin-beijing.txt", "--out", other, "--cache", cache], { env: env() });
    await runCli(["translate", "samples/putin-beijing.txt", "--to", "de", "--cache", cache], { env: env() });
    await runCli(["run", "samples/putin-beijing.txt", "--out", other, "--cache", cache], { env: env() });
    const both = JSON.parse(readFileSync(path.join(other, json), "utf8"));
    expect(Object.keys(both.languages.de).sort()).toEqual(["keyPoints", "paragraphs", "snippet", "summary", "title"]);
  });

  it("--json (or --jsonl) together with --out prints the results and writes the files", async () => {
    const out = tempDir();
    const result = await runCli(["summarize", "samples/putin-beijing.txt", "--json", "--out", out, "--no-cache", "-q"], { env: env() });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).languages.de.summary).toBeTruthy();
    expect(readdirSync(out).filter((f) => f.endsWith(".json"))).toHaveLength(1);
  });

  it("run on stdout keeps articles and languages apart", async () => {
    const result = await runCli(["run", "samples/putin-beijing.txt", "--no-cache", "-q"], { env: env() });
    const parts = result.stdout.split("\n---\n").filter((p) => p.trim());
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(/^<!-- putin-signals-[a-z0-9-]+ de -->\n# .+\n\n\*16\. Mai 2024/);
    expect(parts[1]).toMatch(/<!-- putin-signals-[a-z0-9-]+ en -->\n# Putin signals/);
  });

  it("--variant is validated against its language and recorded in the result", async () => {
    const ok = await runCli(["translate", "samples/putin-beijing.txt", "--to", "de", "--variant", "de-CH", "--no-cache", "--json"], { env: env() });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).languages.de.variant).toBe("de-CH");
    const foreign = await runCli(["run", "samples/putin-beijing.txt", "--variant", "fr-CH", "--no-cache"], { env: env() });
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/"fr-CH" is not a variant newsdesk knows/);
    const unknown = await runCli(["run", "samples/putin-beijing.txt", "--variant", "de-XX", "--no-cache"], { env: env() });
    expect(unknown.code).toBe(2);
    const other = await runCli(["summarize", "samples/putin-beijing.txt", "--lang", "en", "--variant", "de-CH", "--no-cache"], { env: env() });
    expect(other.code).toBe(2);
    expect(other.stderr.trim()).toBe("newsdesk: --variant de-CH: de is not among the languages asked for (en)");
    expect(server.requests).toHaveLength(1);
  });
});

describe("the command line", () => {
  it("--version and -V print the version; -m names the model", async () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
    for (const flag of ["--version", "-V"]) {
      const result = await runCli([flag]);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(version);
    }
    const result = await runCli(["summarize", "samples/putin-beijing.txt", "-m", "my-model", "--jsonl", "--no-cache", "-q"], { env: env() });
    expect(result.code).toBe(0);
    expect(server.requests[0]!.model).toBe("my-model");
  });

  it("reads stdin by itself when something is piped in and no input is named", async () => {
    const result = await runCli(["summarize", "--jsonl", "--lang", "de", "--no-cache", "-q"], { env: env(), input: articlesJsonl(2) });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(2);
  });

  it("numbers are validated: --concurrency 0 is refused", async () => {
    const result = await runCli(["run", "samples/putin-beijing.txt", "--concurrency", "0"], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--concurrency.*at least 1/);
  });

  it("a missing input is one line, said once", async () => {
    const result = await runCli(["summarize", "nothere.txt"], { env: env() });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines.filter((l) => l.includes("nothere.txt"))).toEqual(["newsdesk: skipped nothere.txt: no such file or directory"]);
  });

  it("file names with a newline or terminal escapes are shown escaped, on one line", async () => {
    const dir = tempDir();
    const evil = path.join(dir, "evil\nnewsdesk: 0 failed\u001b[2J.txt");
    writeFileSync(evil, "");
    const result = await runCli(["summarize", evil], { env: env() });
    expect(result.stderr).not.toContain("\u001b");
    const line = result.stderr.split("\n").find((l) => l.includes("evil"))!;
    expect(line).toBe(`newsdesk: skipped ${dir}/evil\\x0anewsdesk: 0 failed\\x1b[2J.txt: empty file`);
  });

  it("many bad lines: the first 20 said, the rest counted", async () => {
    const feed = path.join(tempDir(), "bad.jsonl");
    writeFileSync(feed, Array.from({ length: 500 }, (_, i) => `{"broken": ${i}`).join("\n") + "\n");
    const result = await runCli(["summarize", feed, "--no-cache"], { env: env() });
    const lines = result.stderr.trim().split("\n");
    expect(lines.length).toBeLessThan(25);
    expect(result.stderr).toMatch(/480 more failures not shown \(--report FILE lists them all\)/);
  });
});

describe("status and cache", () => {
  it("status shows the setup without the key, and --probe asks the server once", async () => {
    server.setHandler(() => ({ content: "OK" }));
    const result = await runCli(["status", "--probe"], { env: env({ OPENAI_API_KEY: `${SECRET_KEY} ` }) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^model: +gpt-4o-mini$/m);
    expect(result.stdout).toMatch(new RegExp(`^server: +${server.url.replace(/[.]/g, "\\.")} \\(OPENAI_BASE_URL\\)$`, "m"));
    expect(result.stdout).toMatch(/^key: +set \(OPENAI_API_KEY\)$/m);
    expect(result.stdout).toMatch(/^prompt: +house .*house\.md [0-9a-f]{12}$/m);
    for (const name of ["translate", "digest", "headlines", "channels"]) {
      expect(result.stdout).toMatch(new RegExp(`^prompt: +${name} .*${name}\\.md [0-9a-f]{12}$`, "m"));
    }
    expect(result.stdout).toMatch(/^probe: +ok in \d+ ms$/m);
    expect(result.stdout + result.stderr).not.toContain(SECRET_KEY);
    expect(server.requests).toHaveLength(1);
    const bad = await runCli(["status", "--probe"], { env: env({ OPENAI_BASE_URL: "http://127.0.0.1:1/v1" }) });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/^probe: +failed after \d+ ms: cannot reach the model server at http:\/\/127\.0\.0\.1:1\/v1/m);
  });

  it("reads .env from the user's config folder too", async () => {
    const config = tempDir();
    const dir = path.join(config, "newsdesk");
    await import("node:fs").then((fs) => fs.mkdirSync(dir));
    writeFileSync(path.join(dir, ".env"), `OPENAI_BASE_URL=${server.url}\nNEWSDESK_MODEL=from-config\n`);
    const result = await runCli(["summarize", "samples/putin-beijing.txt", "--jsonl", "--no-cache", "-q"], {
      env: { XDG_CONFIG_HOME: config, XDG_CACHE_HOME: tempDir() },
      cwd: tempDir(),
    });
    expect(result.stderr).toMatch(/samples\/putin-beijing.txt/); // the path is relative to the other cwd: skipped
    const ok = await runCli(["summarize", path.join(ROOT, "samples/putin-beijing.txt"), "--jsonl", "--no-cache", "-q"], {
      env: { XDG_CONFIG_HOME: config, XDG_CACHE_HOME: tempDir() },
      cwd: tempDir(),
    });
    expect(ok.code).toBe(0);
    expect(server.requests.at(-1)!.model).toBe("from-config");
  });

  it("cache prune also removes fetched pages and collected batches unused that long; an open batch stays", async () => {
    const cache = path.join(tempDir(), "c.sqlite");
    const old = Date.now() - 40 * 86_400_000;
    const store = new Cache(cache);
    store.set("k-old", { task: "digest", model: "m" }, { value: 1, warnings: [] });
    store.set("k-new", { task: "digest", model: "m" }, { value: 2, warnings: [] });
    for (const [id, collected] of [["batch_old", true], ["batch_open", false], ["batch_recent", true]] as const) {
      store.recordBatch({ id, server: "s", model: "m", status: "completed", inputFile: `file-${id}` }, [{ key: `t-${id}`, fingerprint: `f-${id}`, task: "digest", label: "digest de" }]);
      if (collected) store.markBatchCollected(id, {});
    }
    store.close();
    const pages = new PageCache(cache);
    for (const [url, checked] of [["https://example.org/old", old], ["https://example.org/new", Date.now()]] as const) {
      pages.put({ url, etag: null, lastModified: null, contentType: "text/html", body: Buffer.from("<p>x</p>"), checked });
    }
    pages.close();
    // Age what should go: the old entry, and two batches (one of them still open at the provider).
    const db = new Database(cache);
    db.prepare("UPDATE results SET used = ? WHERE key = 'k-old'").run(old);
    db.prepare("UPDATE batches SET updated = ? WHERE id IN ('batch_old', 'batch_open')").run(old);
    db.close();

    const pruned = await runCli(["cache", "prune", "--older-than", "30", "--cache", cache]);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/^removed 1 entry \(and 1 fetched page and 1 collected batch\) unused for 30 days/);
    const after = new Database(cache, { readonly: true });
    expect(after.prepare("SELECT key FROM results").all()).toEqual([{ key: "k-new" }]);
    expect(after.prepare("SELECT url FROM pages").all()).toEqual([{ url: "https://example.org/new" }]);
    expect((after.prepare("SELECT id FROM batches ORDER BY id").all() as { id: string }[]).map((r) => r.id)).toEqual(["batch_open", "batch_recent"]);
    expect((after.prepare("SELECT batch FROM batch_tasks ORDER BY batch").all() as { batch: string }[]).map((r) => r.batch)).toEqual(["batch_open", "batch_recent"]);
    after.close();
    // clear takes the pages too.
    expect((await runCli(["cache", "clear", "--cache", cache])).code).toBe(0);
    const empty = new Database(cache, { readonly: true });
    expect(empty.prepare("SELECT COUNT(*) AS n FROM pages").get()).toEqual({ n: 0 });
    empty.close();
  });

  it("cache path, list (one line per article), show, stats per article, prune and clear give space back", async () => {
    const cache = path.join(tempDir(), "c.sqlite");
    const dir = tempDir();
    writeArticleFiles(dir, 3);
    expect((await runCli(["run", dir, "--jsonl", "--cache", cache, "-q"], { env: env() })).code).toBe(0);
    expect((await runCli(["cache", "path", "--cache", cache])).stdout.trim()).toBe(cache);
    const list = await runCli(["cache", "list", "--cache", cache, "--json"]);
    const articles = JSON.parse(list.stdout);
    expect(articles).toHaveLength(3);
    expect(articles[0]).toMatchObject({ tasks: ["digest", "translate"], langs: ["de", "en"] });
    const text = await runCli(["cache", "list", "--cache", cache]);
    expect(text.stdout.trim().split("\n")).toHaveLength(3);
    const shown = JSON.parse((await runCli(["cache", "show", articles[0].id.slice(0, 20), "--cache", cache])).stdout);
    expect(shown.id).toBe(articles[0].id);
    expect(shown.entries.some((e: { task: string }) => e.task === "translate")).toBe(true);
    const stats = await runCli(["cache", "stats", "--cache", cache]);
    expect(stats.stdout).toMatch(/^3 articles, \d+ entries \(digest \d+, translate 3\)/m);
    const missing = await runCli(["cache", "show", "no-such-article", "--cache", cache]);
    expect(missing.code).toBe(2);
    const cleared = await runCli(["cache", "clear", "--cache", cache]);
    expect(cleared.stdout).toMatch(/^removed \d+ entries/);
    expect(JSON.parse((await runCli(["cache", "list", "--cache", cache, "--json"])).stdout)).toEqual([]);
  });
});
