import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startOpenAIServer, type TestServer } from "./support/openai-server.ts";
import { describeRequest, fakeModel, translationReply } from "./support/fake-model.ts";
import { runCli, spawnCli } from "./support/cli.ts";
import { spawn } from "node:child_process";
import { ROOT, SECRET_KEY, seedArticle, tempDir } from "./support/setup.ts";

let server: TestServer;
const SEED = "samples/putin-beijing.txt";

beforeAll(async () => {
  server = await startOpenAIServer({
    // The CLI runs in its own process, so the server answers the seed's German from the fixture here.
    handler: (body, i) => {
      const info = describeRequest(body);
      if (info.task === "translate" && info.title === seedArticle().title && info.target?.startsWith("de")) {
        return translationReply(JSON.parse(readFileSync(path.join(ROOT, "test/fixtures/putin-beijing.de.json"), "utf8")));
      }
      return fakeModel(body);
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function env(extra: Record<string, string> = {}) {
  return { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SECRET_KEY, XDG_CACHE_HOME: tempDir(), ...extra };
}

describe("the executable", () => {
  it("bin/newsdesk.js runs the main job in its own process: files written, 1 joint call, exit 0", async () => {
    const out = tempDir();
    const result = await spawnCli(["run", SEED, "--out", out, "--cache", path.join(tempDir(), "c.sqlite")], { env: env() });
    expect(result.stderr).toMatch(/1\/1 article done, 0 failed, 1 call,/);
    expect(result.code).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith(".json"))).toHaveLength(1);
  });

  it("starts through its shebang (node with a small young generation) when run as a program", async () => {
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(path.join(ROOT, "bin/newsdesk.js"), ["--version"], { env: { PATH: process.env.PATH ?? "" } });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout }));
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version);
  });
});

describe("newsdesk run", () => {
  it("writes <id>.json with both languages in 1 call (translation and digest together), and makes 0 calls the second time", async () => {
    const out = tempDir();
    const cache = path.join(tempDir(), "cache.sqlite");
    const first = await runCli(["run", SEED, "--out", out, "--cache", cache], { env: env() });
    expect(first.stderr).toMatch(/1\/1 article done, 0 failed, 1 call, 0 cache hits/);
    expect(first.code).toBe(0);
    expect(server.requests).toHaveLength(1);

    const files = readdirSync(out).sort();
    const json = files.find((f) => f.endsWith(".json"))!;
    expect(json).toMatch(/^putin-signals-[a-z0-9-]+\.json$/);
    expect(files).toContain(json.replace(/\.json$/, ".de.md"));
    expect(files).toContain(json.replace(/\.json$/, ".en.md"));
    const result = JSON.parse(readFileSync(path.join(out, json), "utf8"));
    expect(Object.keys(result).sort()).toEqual(["id", "languages", "provenance", "source", "usage", "warnings"]);
    expect(result.provenance).toMatchObject({ model: "gpt-4o-mini", glossary: expect.stringMatching(/^\d+ terms, [0-9a-f]{12}$/) });
    expect(Object.keys(result.provenance.prompts).sort()).toEqual(["digest", "house", "translate"]);
    expect(result.source).toMatchObject({ path: SEED, lang: "en", title: "Putin signals willingness to negotiate on Ukraine in Beijing", credit: "Keystone/SDA" });
    for (const lang of ["de", "en"]) {
      expect(Object.keys(result.languages[lang]).sort()).toEqual(["keyPoints", "paragraphs", "snippet", "summary", "title"]);
      expect(result.languages[lang].paragraphs).toHaveLength(12);
    }
    expect(result.usage).toMatchObject({ calls: 1, cacheHits: 0 });
    const germanMarkdown = readFileSync(path.join(out, json.replace(/\.json$/, ".de.md")), "utf8");
    expect(germanMarkdown).toMatch(/^# Putin signalisiert in Peking.*\n\n\*16\. Mai 2024 · Keystone\/SDA\*\n/);
    expect(readFileSync(path.join(out, json.replace(/\.json$/, ".en.md")), "utf8")).toMatch(/\n\*16 May 2024 · Keystone\/SDA\*\n/);

    const second = await runCli(["run", SEED, "--out", out, "--cache", cache], { env: env() });
    expect(second.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    // Each task's part of the joint answer is in the cache under its own key.
    expect(second.stderr).toMatch(/0 calls, 2 cache hits/);
  });

  it("uses the cache under $XDG_CACHE_HOME/newsdesk/ by default, and --no-cache bypasses it", async () => {
    const xdg = tempDir();
    await runCli(["run", SEED, "--jsonl"], { env: env({ XDG_CACHE_HOME: xdg }) });
    expect(existsSync(path.join(xdg, "newsdesk", "cache.sqlite"))).toBe(true);
    server.requests.length = 0;
    const again = await runCli(["run", SEED, "--jsonl", "--no-cache"], { env: env({ XDG_CACHE_HOME: xdg }) });
    expect(again.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(again.stdout.trim()).languages.de.title).toMatch(/^Putin signalisiert/);
  });
});

describe("newsdesk summarize", () => {
  it("reads JSONL from stdin and prints one result per line", async () => {
    const feed = readFileSync(path.join(ROOT, "samples/feed.jsonl"), "utf8");
    const result = await runCli(["summarize", "-", "--jsonl", "--no-cache", "--lang", "de"], { env: env(), input: feed });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.source.path)).toEqual(["-", "-", "-"]);
    expect(lines.every((l) => l.languages.de.keyPoints.length >= 3)).toBe(true);
    expect(server.requests).toHaveLength(3);
  });
});

describe("newsdesk translate", () => {
  it("prints the German version as Markdown with one call", async () => {
    const result = await runCli(["translate", SEED, "--to", "de", "--no-cache"], { env: env() });
    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    // Title, the date and credit line (as in the .md files), then the 12 paragraphs.
    expect(result.stdout).toMatch(/^# Putin signalisiert in Peking Verhandlungsbereitschaft zur Ukraine\n\n\*16\. Mai 2024 · Keystone\/SDA\*\n\nMoskau und Peking/);
    expect(result.stdout.trim().split("\n\n")).toHaveLength(14);
  });

  it("applies --variant de-CH in code: no ß, Swiss quotes", async () => {
    const result = await runCli(["translate", SEED, "--to", "de", "--variant", "de-CH", "--no-cache", "--json"], { env: env() });
    expect(result.code).toBe(0);
    const text = JSON.parse(result.stdout).languages.de.paragraphs.join("\n");
    expect(text).not.toMatch(/ß/);
    expect(text).toContain("«Beide Seiten");
    expect(text).not.toMatch(/[„“]/);
  });
});

describe("a batch with bad inputs", () => {
  it("writes every good article, names every bad file on one line each, and exits 1", async () => {
    const inbox = tempDir();
    writeFileSync(path.join(inbox, "putin.txt"), readFileSync(path.join(ROOT, SEED)));
    writeFileSync(path.join(inbox, "empty.txt"), "   \n\n");
    writeFileSync(path.join(inbox, "photo.txt"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    writeFileSync(path.join(inbox, "feed.jsonl"), '{"title": "Broken", "body": \n' + readFileSync(path.join(ROOT, "samples/feed.jsonl"), "utf8"));
    const out = tempDir();
    const result = await runCli(["summarize", inbox, "--out", out, "--no-cache", "--lang", "de"], { env: env() });
    expect(result.code).toBe(1);
    expect(readdirSync(out).filter((f) => f.endsWith(".json"))).toHaveLength(4); // the seed + 3 good JSONL lines
    expect(result.stderr).toMatch(/empty\.txt: empty file/);
    expect(result.stderr).toMatch(/photo\.txt: binary data/);
    expect(result.stderr).toMatch(/feed\.jsonl:1: invalid JSON/);
    expect(result.stderr).toMatch(/3 failed: /);
  });
});

describe("one cache across commands", () => {
  it("translate, summarize and newsletter after run cost no call", async () => {
    const cache = path.join(tempDir(), "cache.sqlite");
    await runCli(["run", SEED, "--jsonl", "--cache", cache], { env: env() });
    expect(server.requests).toHaveLength(1);
    for (const args of [["translate", SEED, "--to", "de"], ["summarize", SEED, "--jsonl"], ["newsletter", SEED, "--lang", "en"]]) {
      const result = await runCli([...args, "--cache", cache], { env: env() });
      expect(result.code).toBe(0);
    }
    // The joint call's parts serve each command on its own.
    expect(server.requests).toHaveLength(1);
  });
});

describe("configuration and errors", () => {
  it("exits 2 with one line naming the variables and .env when nothing is configured", async () => {
    const cwd = tempDir();
    const result = await runCli(["run", path.join(ROOT, SEED)], { cwd, env: { XDG_CACHE_HOME: tempDir() } });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/OPENAI_API_KEY/);
    expect(lines[0]).toMatch(/OPENAI_BASE_URL/);
    expect(lines[0]).toMatch(/\.env/);
  });

  it("reads the configuration from .env in the working folder", async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, ".env"), `OPENAI_BASE_URL=${server.url}\nOPENAI_API_KEY=${SECRET_KEY}\n`);
    const result = await runCli(["translate", path.join(ROOT, SEED), "--to", "de", "--no-cache"], { cwd, env: { XDG_CACHE_HOME: tempDir() } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^# Putin signalisiert/);
  });

  it("never shows the API key, even when the server echoes it in an error", async () => {
    const previous = server.requests.length;
    const keyServer = await startOpenAIServer({
      handler: () => ({ status: 401, message: `Incorrect API key provided: ${SECRET_KEY}. You can find your API key at ...`, code: "invalid_api_key" }),
    });
    try {
      const out = tempDir();
      const result = await runCli(["run", SEED, "--out", out, "--no-cache"], { env: env({ OPENAI_BASE_URL: keyServer.url }) });
      // A rejected key is a configuration error: the batch stops at once, exit 2.
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/rejected the API key \(401: Incorrect API key provided: \[redacted\].*\): check OPENAI_API_KEY/);
      expect(result.stderr + result.stdout).not.toContain(SECRET_KEY);
      expect(result.stderr).not.toContain(SECRET_KEY.slice(0, 12));
    } finally {
      await keyServer.close();
    }
    expect(server.requests.length).toBe(previous);
  });

  it("drops the desk's own debris lines with --debris-file", async () => {
    const dir = tempDir();
    const story = path.join(dir, "story.txt");
    writeFileSync(story, readFileSync(path.join(ROOT, SEED), "utf8").replace("Zurück zu Live Feed", "Zurück zu Live Feed\nInserat: Muster Treuhand AG"));
    const debris = path.join(dir, "debris.txt");
    writeFileSync(debris, "# our site's furniture\nInserat: Muster Treuhand AG\n");
    const promptOf = () => server.requests.at(-1)!.messages.map((m) => m.content).join("\n");
    await runCli(["summarize", story, "--jsonl", "--no-cache"], { env: env() });
    expect(promptOf()).toContain("Inserat: Muster Treuhand AG");
    await runCli(["summarize", story, "--jsonl", "--no-cache", "--debris-file", debris], { env: env() });
    expect(promptOf()).not.toContain("Inserat: Muster Treuhand AG");
    expect(promptOf()).not.toContain("Zurück zu Live Feed");
  });

  it("exits 2 with one line naming the file for a glossary that cannot be read", async () => {
    const result = await runCli(["run", SEED, "--no-cache", "--glossary", "nope/glossary.csv"], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("newsdesk: nope/glossary.csv: no such file");
    expect(server.requests).toHaveLength(0);
  });

  it("shows help right away", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: newsdesk/);
    for (const command of ["run", "translate", "summarize", "newsletter", "cache"]) expect(result.stdout).toContain(command);
  });

  it("exits 2 with the file named for an input that does not exist", async () => {
    const result = await runCli(["run", "nope/missing.txt", "--no-cache"], { env: env() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nope\/missing\.txt: .*(no such file|not exist)/i);
  });
});

describe("newsdesk cache", () => {
  it("stats counts the entries per task, clear empties the file", async () => {
    const cache = path.join(tempDir(), "cache.sqlite");
    await runCli(["run", SEED, "--jsonl", "--cache", cache], { env: env() });
    const stats = await runCli(["cache", "stats", "--cache", cache, "--json"]);
    // The digest for de,en is also kept per language (de, en), for newsletters in one language.
    expect(JSON.parse(stats.stdout)).toMatchObject({ entries: 4, byTask: { digest: 3, translate: 1 } });
    const clear = await runCli(["cache", "clear", "--cache", cache]);
    expect(clear.stdout).toMatch(/removed 4 entries/);
    const after = await runCli(["cache", "stats", "--cache", cache, "--json"]);
    expect(JSON.parse(after.stdout).entries).toBe(0);
  });
});

