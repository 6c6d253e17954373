// The package as a user installs it. SLOWEST TEST FILE (~15-30 s on 2 cores): it builds and packs
// a copy of the project, installs the tarball into an empty project and uses it with plain node.
//
// - The copy: `npm pack` runs `prepare` (the build), which replaces dist/; packing the checkout
//   itself would pull dist/ from under the CLI tests running at the same time.
// - The install is offline: npm ci's cache holds every dependency's tarball but not the registry's
//   metadata, so the empty project gets a lock file made from ours (the non-dev entries) and
//   `npm ci --offline` installs the tarball and its dependencies from the cache by integrity.
//   `--ignore-scripts` skips better-sqlite3's native build (a minute of C++; npm's job, not the
//   package's): its compiled module is copied from our node_modules (same version, same machine).
// - Then `import { processArticle } from "newsdesk"` runs under plain node against the test
//   server, and the installed `newsdesk` runs `--help`, `run` and `newsletter` from a folder
//   outside the clone (prompts, templates, glossary and the data files in dist/ are found).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { startOpenAIServer, type TestServer } from "./support/openai-server.ts";
import { registerSeedTranslation, ROOT, SEED_PATH, tempDir } from "./support/setup.ts";
import { collected } from "./support/cli.ts";

const exec = promisify(execFile);
const SLOW = 240_000;

let server: TestServer;
let work: string;
let consumer: string;
let packedFiles: string[];

/** npm with the caller's environment (its cache, registry), minus what `npm test` sets about its own package. */
function npm(args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_call$)/.test(k)));
  return exec("npm", args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  // Only PATH and HOME from here: nothing that could lead node to tsx or to the clone.
  return collected(spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? "", HOME: work, ...env }, stdio: ["ignore", "pipe", "pipe"] }));
}

beforeAll(async () => {
  server = await startOpenAIServer();
  work = tempDir("newsdesk-package-");

  // 1. A copy of the project (what a fresh clone has), packed: `prepare` builds dist/ there.
  const stage = path.join(work, "clone");
  const skip = new Set(["node_modules", "dist", ".git", "out", "test", "bench", "samples"]);
  cpSync(ROOT, stage, { recursive: true, filter: (from) => !skip.has(path.relative(ROOT, from).split(path.sep)[0]!) });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(stage, "node_modules"), "dir");
  const packed = JSON.parse((await npm(["pack", "--json", "--pack-destination", work], stage)).stdout) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed[0]!.files.map((f) => f.path).sort();
  const tarball = path.join(work, packed[0]!.filename);

  // 2. An empty project that depends on the tarball, locked to our dependencies' versions.
  consumer = path.join(work, "consumer");
  mkdirSync(consumer);
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    "": { name: "consumer", dependencies: { newsdesk: spec } },
    "node_modules/newsdesk": { version: pkg.version, resolved: spec, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [key, entry] of Object.entries(lock.packages as Record<string, { dev?: boolean; devOptional?: boolean }>)) {
    if (key.startsWith("node_modules/") && !entry.dev && !entry.devOptional) packages[key] = entry;
  }
  writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { newsdesk: spec } }));
  writeFileSync(path.join(consumer, "package-lock.json"), JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }));
  await npm(["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], consumer);
  cpSync(path.join(ROOT, "node_modules/better-sqlite3/build"), path.join(consumer, "node_modules/better-sqlite3/build"), { recursive: true });
}, SLOW);

afterAll(() => server?.close());

describe("the packed package", () => {
  it("ships compiled JavaScript with declarations, its data files, prompts, templates and glossary; no sources or tests", () => {
    for (const file of [
      "bin/newsdesk.js",
      "dist/cli/bin.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/run/pipeline.d.ts",
      "dist/run/prices.json",
      "dist/checks/names.json",
      "dist/checks/spelling.json",
      "dist/article/debris.txt",
      "prompts/house.md",
      "prompts/translate.md",
      "prompts/digest.md",
      "templates/newsletter.html",
      "templates/newsletter.md",
      "glossary/default.csv",
      "package.json",
      "README.md",
    ]) {
      expect(packedFiles).toContain(file);
    }
    // Every data file of src/ has its copy beside the JS.
    for (const entry of readdirSync(path.join(ROOT, "src"), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && !entry.name.endsWith(".ts")) {
        expect(packedFiles).toContain(path.posix.join("dist", path.relative(path.join(ROOT, "src"), path.join(entry.parentPath, entry.name)).split(path.sep).join("/")));
      }
    }
    expect(packedFiles.filter((f) => /^(src|test|bench|scripts)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([]);
    // The compiled imports say .js: plain node can run them.
    expect(readFileSync(path.join(consumer, "node_modules/newsdesk/dist/index.js"), "utf8")).not.toMatch(/from "\.[^"]*\.ts"/);
  });

  it("installs without tsx, and `import { processArticle } from \"newsdesk\"` works under plain node", async () => {
    expect(existsSync(path.join(consumer, "node_modules/tsx"))).toBe(false);
    registerSeedTranslation();
    writeFileSync(
      path.join(consumer, "use.mjs"),
      `import { Cache, createModelClient, createPipeline, processArticle, readArticles } from "newsdesk";
const pipeline = createPipeline({
  client: createModelClient({ baseURL: process.env.OPENAI_BASE_URL }),
  model: "test-model",
  cache: new Cache("cache.sqlite"),
  languages: ["de", "en"],
});
for await (const item of readArticles([process.argv[2]])) {
  if ("error" in item) throw item.error;
  const result = await processArticle(item.article, pipeline);
  console.log(JSON.stringify({ id: result.id, languages: Object.keys(result.languages), calls: result.usage.calls, de: result.languages.de.paragraphs.length }));
}
`,
    );
    const result = await run(process.execPath, ["use.mjs", SEED_PATH], consumer, { OPENAI_BASE_URL: server.url });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const line = JSON.parse(result.stdout);
    expect(line.languages).toEqual(["de", "en"]);
    expect(line.calls).toBe(1);
    expect(line.de).toBeGreaterThan(5);
  }, 60_000);

  it("gives types: the declarations resolve (a wrong use is a type error)", async () => {
    writeFileSync(
      path.join(consumer, "typed.ts"),
      `import { processArticle, type ArticleResult } from "newsdesk";
export const run: typeof processArticle = processArticle;
export const title = (r: ArticleResult): string | undefined => r.languages.de?.title;
// @ts-expect-error: a function, not a number (were the declarations not found, this would be any)
export const wrong: number = processArticle;
`,
    );
    writeFileSync(
      path.join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"], typeRoots: [path.join(ROOT, "node_modules/@types")] },
        files: ["typed.ts"],
      }),
    );
    const result = await run(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "."], consumer);
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  }, 60_000);

  it("the installed `newsdesk` runs from any folder: --help, run and newsletter", async () => {
    const bin = path.join(consumer, "node_modules/.bin/newsdesk");
    const elsewhere = tempDir("newsdesk-elsewhere-");
    const help = await run(bin, ["--help"], elsewhere);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: newsdesk/);

    registerSeedTranslation();
    const env = { OPENAI_BASE_URL: server.url, NEWSDESK_MODEL: "test-model", XDG_CACHE_HOME: path.join(elsewhere, "cache") };
    const done = await run(bin, ["run", SEED_PATH, "--out", "out", "--quiet"], elsewhere, env);
    expect(done.stderr).not.toMatch(/error|cannot|ENOENT/i);
    expect(done.code).toBe(0);
    const files = readdirSync(path.join(elsewhere, "out"));
    expect(files.filter((f) => f.endsWith(".json"))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith(".md")).sort().map((f) => f.split(".").slice(-2, -1)[0])).toEqual(["de", "en"]);

    const letter = await run(bin, ["newsletter", SEED_PATH, "--lang", "de", "--format", "html"], elsewhere, env);
    expect(letter.code).toBe(0);
    expect(letter.stdout).toMatch(/<section lang="de"/);
  }, 60_000);
});
