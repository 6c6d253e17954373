// `newsdesk serve` as a user starts it: after the README's main job, through bin/newsdesk.js.
import { describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { useOpenAIServer } from "./support/use-server.ts";
import { collected, runCli } from "./support/cli.ts";
import { ROOT, SEED_PATH, tempDir } from "./support/setup.ts";

const model = useOpenAIServer();

/**
 * `newsdesk run SEED --out out/ ARGS`, then `newsdesk serve out/ --port 0` in its own process (the
 * desk reads that process's environment, plus `serveEnv`); resolves once the desk listens.
 */
async function runThenServe(runArgs: string[], serveEnv: Record<string, string> = {}, serveArgs: string[] = []) {
  const work = tempDir("newsdesk-serve-cli-");
  const out = path.join(work, "out");
  const env = { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "test", XDG_CACHE_HOME: path.join(work, "cache") };
  const run = await runCli(["run", SEED_PATH, "--out", out, ...runArgs, "-q"], { env });
  expect(run.code).toBe(0);

  const child = spawn(process.execPath, [path.join(ROOT, "bin/newsdesk.js"), "serve", out, "--port", "0", ...serveArgs], {
    cwd: work,
    env: { PATH: process.env.PATH ?? "", HOME: work, ...env, ...serveEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on("exit", () => reject(new Error(`serve exited: ${stderr}`)));
  });
  /** SIGTERM, as Ctrl-C would; resolves with the exit code. */
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once("exit", resolve);
      child.kill("SIGTERM");
    });
  return { url, stop };
}

/** The page's *Re-run digest* on the desk's only article: the request the page sends (its token from the page). */
async function rerunDigest(url: string): Promise<Response> {
  const queue = (await (await fetch(`${url}api/articles`)).json()) as { items: { id: string }[] };
  const token = /name="newsdesk-token" content="([^"]+)"/.exec(await (await fetch(url)).text())![1]!;
  return fetch(`${url}api/articles/${queue.items[0]!.id}/digest`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-newsdesk-token": token, origin: url.replace(/\/$/, "") },
    body: "{}",
  });
}

describe("newsdesk serve", () => {
  test("shows the results of `newsdesk run --out` and stops on SIGTERM", async () => {
    const { url, stop } = await runThenServe([]);
    try {
      const queue = (await (await fetch(`${url}api/articles`)).json()) as { items: { title: string; state: string }[] };
      expect(queue.items).toEqual([expect.objectContaining({ title: "Putin signals willingness to negotiate on Ukraine in Beijing", state: "unreviewed" })]);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("review desk");
    } finally {
      expect(await stop()).toBe(0);
    }
  });

  test("the digest re-run asks for the result's channels in the desk's register ($NEWSDESK_FORMALITY)", async () => {
    const { url, stop } = await runThenServe(["--channels", "push,seo"], { NEWSDESK_FORMALITY: "informal" });
    try {
      model.requests.length = 0;
      const answer = await rerunDigest(url);
      expect(answer.status).toBe(200);
      const proposal = (await answer.json()) as { value: Record<string, { channels?: Record<string, string> }> };
      // The same channels as the run (push, seo), the German register from the environment.
      expect(model.requests[0]!.task).toBe("digest de,en +push,seo");
      expect(model.requests[0]!.messages.map((m) => m.content).join("\n")).toContain("de: Register: address the reader informally");
      expect(Object.keys(proposal.value.de!.channels!)).toEqual(["push", "seoTitle", "seoDescription"]);
    } finally {
      await stop();
    }
  });

  test("--provider and --formality: the desk's model help goes where `run --provider` sends it, in the register asked for", async () => {
    const endpoint = model.url.replace(/\/v1$/, "");
    const { url, stop } = await runThenServe([], { NEWSDESK_FORMALITY: "informal", OPENAI_BASE_URL: endpoint, OPENAI_API_KEY: "azure-test-key" }, ["--provider", "azure", "--formality", "formal"]);
    try {
      model.requests.length = 0;
      const answer = await rerunDigest(url);
      expect(answer.status).toBe(200);
      // Azure's api-key header (not a bearer token), and the flag's register over the environment's.
      expect(model.requests[0]!.headers!["api-key"]).toBe("azure-test-key");
      expect(model.requests[0]!.headers!.authorization).toBeUndefined();
      expect(model.requests[0]!.messages.map((m) => m.content).join("\n")).toContain("de: Register: address the reader formally");
    } finally {
      await stop();
    }
  });

  test("refuses a broken $NEWSDESK_FORMALITY with exit 2, as `run` does", async () => {
    const dir = tempDir("newsdesk-serve-cli-");
    // Its own process (the desk reads the process's environment); stopped after 15 s should it listen instead.
    const child = spawn(process.execPath, [path.join(ROOT, "bin/newsdesk.js"), "serve", dir, "--port", "0"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, OPENAI_BASE_URL: model.url, NEWSDESK_FORMALITY: "casual" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 15_000,
    });
    const bad = await collected(child);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('NEWSDESK_FORMALITY "casual": expected formal, informal');
  });

  test("refuses a public host without a token file, and a missing folder, with exit 2", async () => {
    const dir = tempDir("newsdesk-serve-cli-");
    const open = await runCli(["serve", dir, "--host", "0.0.0.0", "--port", "0"]);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain("needs --token-file");
    const missing = await runCli(["serve", path.join(dir, "nope"), "--port", "0"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("results folder not found");
    const noToken = await runCli(["serve", dir, "--host", "0.0.0.0", "--port", "0", "--token-file", path.join(dir, "none")]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("cannot read token file");
  });
});
