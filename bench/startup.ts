// npm run bench:startup: how long `newsdesk --help` and a fully cached one-article `run` take,
// as ratios to `node -e ''` measured in the same run (median of BENCH_STARTUP_RUNS, default 15;
// the commands take turns, so drift on the machine hits them alike).
//   after:  bin/newsdesk.js running dist/cli/bin.js with plain node (run `npm run build` first);
//   tsx:    the same bin with NEWSDESK_TSX=1: src/cli/bin.ts through tsx (a dev checkout's fallback);
//   before: BENCH_STARTUP_BEFORE=DIR adds a checkout of an older commit (its own bin/newsdesk.js,
//           with a node_modules), e.g. the one before the package shipped compiled JavaScript.
// Every command is started as `npx newsdesk` starts it: the executable itself, so its shebang's
// node flags apply. The cached run's server (the tests' OpenAI-compatible one) must see no request.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startOpenAIServer } from "../test/support/openai-server.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const BEFORE = process.env.BENCH_STARTUP_BEFORE ? path.resolve(process.env.BENCH_STARTUP_BEFORE) : null;
const SAMPLE = path.join(ROOT, "samples/putin-beijing.txt");

// "after" must measure dist/, not bin's tsx fallback for a stale build.
const newestSrc = Math.max(...readdirSync(path.join(ROOT, "src"), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => statSync(path.join(e.parentPath, e.name)).mtimeMs));
if (!existsSync(path.join(ROOT, "dist/cli/bin.js")) || statSync(path.join(ROOT, "dist/cli/bin.js")).mtimeMs < newestSrc) {
  console.error("bench:startup: dist/ is missing or older than src/: run `npm run build` first");
  process.exit(2);
}

interface Variant { name: string; command: string; prefix: string[]; env: Record<string, string> }

const server = await startOpenAIServer();
const work = mkdtempSync(path.join(os.tmpdir(), "newsdesk-bench-startup-"));
const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "not-needed", NEWSDESK_MODEL: "test-model" };

const variants: Variant[] = [
  ...(BEFORE ? [{ name: "before", command: path.join(BEFORE, "bin/newsdesk.js"), prefix: [], env: {} }] : []),
  { name: "tsx", command: path.join(ROOT, "bin/newsdesk.js"), prefix: [], env: { NEWSDESK_TSX: "1" } },
  { name: "after", command: path.join(ROOT, "bin/newsdesk.js"), prefix: [], env: {} },
];

function run(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<{ ms: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: { ...baseEnv, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stderr }));
  });
}

const cacheOf = (v: Variant) => path.join(work, `${v.name}.sqlite`);
const runArgs = (v: Variant) => ["run", SAMPLE, "--out", path.join(work, `out-${v.name}`), "--cache", cacheOf(v), "--quiet"];

// Fill each variant's cache (and warm the file system cache): one real run each.
for (const v of variants) {
  const first = await run(v.command, runArgs(v), v.env);
  if (first.code !== 0) throw new Error(`${v.name}: the filling run failed (exit ${first.code}): ${first.stderr}`);
}
const requestsAfterFill = server.requests.length;

type Case = { label: string; name: string; command: string; args: string[]; env: Record<string, string> };
const cases: Case[] = [{ label: "node -e ''", name: "node", command: process.execPath, args: ["-e", ""], env: {} }];
for (const v of variants) {
  cases.push({ label: "--help", name: v.name, command: v.command, args: ["--help"], env: v.env });
  cases.push({ label: "run, cached", name: v.name, command: v.command, args: runArgs(v), env: v.env });
}

const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (const c of cases) await run(c.command, c.args, c.env); // warm-up
for (let i = 0; i < RUNS; i++) {
  for (const c of cases) {
    const result = await run(c.command, c.args, c.env);
    if (result.code !== 0) throw new Error(`${c.name} ${c.args.join(" ")}: exit ${result.code}: ${result.stderr}`);
    times.get(c)!.push(result.ms);
  }
}
if (server.requests.length !== requestsAfterFill) throw new Error(`the cached runs made ${server.requests.length - requestsAfterFill} model call(s)`);
await server.close();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const nodeMs = median(times.get(cases[0]!)!);
console.log(`start-up, median of ${RUNS} runs (ms, and ratio to node -e ''), ${os.cpus().length} cores, node ${process.version}`);
console.log(`node -e '': ${nodeMs.toFixed(0)} ms`);
console.log("| | " + variants.map((v) => v.name).join(" | ") + " |");
console.log("| --- | " + variants.map(() => "---").join(" | ") + " |");
for (const label of ["--help", "run, cached"]) {
  const cells = variants.map((v) => {
    const ms = median(times.get(cases.find((c) => c.label === label && c.name === v.name)!)!);
    return `${ms.toFixed(0)} ms (${(ms / nodeMs).toFixed(1)}x)`;
  });
  console.log(`| ${label} | ${cells.join(" | ")} |`);
}
