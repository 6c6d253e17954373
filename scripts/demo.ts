// `npm run demo`: the main job end to end without a model service. It starts the scripted
// OpenAI-compatible server the tests use on 127.0.0.1 and runs `newsdesk run` against it twice
// (the second run is answered from the cache). The "model" writes filler text: this shows the
// plumbing (calls, shared prefix, validation, cache, output files), not translation quality.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startOpenAIServer } from "../test/support/openai-server.ts";

const server = await startOpenAIServer({ latencyMs: 50 });
const out = process.argv[2] ?? "out";
const cache = path.join(mkdtempSync(path.join(os.tmpdir(), "newsdesk-demo-")), "cache.sqlite");
const env = { ...process.env, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "demo", NEWSDESK_MODEL: "demo-model" };
const args = ["bin/newsdesk.js", "run", "samples/putin-beijing.txt", "--out", out, "--cache", cache];

for (const round of ["first run", "same command again"]) {
  process.stderr.write(`\n== ${round}: newsdesk ${args.slice(1).join(" ")}\n`);
  const before = server.requests.length;
  // Asynchronous: the server answers from this process's event loop.
  const child = spawn(process.execPath, args, { env, stdio: "inherit" });
  const status = await new Promise((resolve) => child.on("close", resolve));
  process.stderr.write(`== the server saw ${server.requests.length - before} request(s); exit code ${status}\n`);
}
process.stderr.write(`\nResults in ${out}/\n`);
await server.close();
