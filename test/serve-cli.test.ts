// `newsdesk serve` as a user starts it: after the README's main job, through bin/newsdesk.js.
import { describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { useOpenAIServer } from "./support/use-server.ts";
import { runCli } from "./support/cli.ts";
import { ROOT, SEED_PATH, tempDir } from "./support/setup.ts";

const model = useOpenAIServer();

describe("newsdesk serve", () => {
  test("shows the results of `newsdesk run --out` and stops on SIGTERM", async () => {
    const work = tempDir("newsdesk-serve-cli-");
    const out = path.join(work, "out");
    const env = { OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "test", XDG_CACHE_HOME: path.join(work, "cache") };
    const run = await runCli(["run", SEED_PATH, "--out", out, "-q"], { env });
    expect(run.code).toBe(0);

    const child = spawn(process.execPath, [path.join(ROOT, "bin/newsdesk.js"), "serve", out, "--port", "0"], {
      cwd: work,
      env: { PATH: process.env.PATH ?? "", HOME: work, ...env },
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
    const queue = (await (await fetch(`${url}api/articles`)).json()) as { items: { title: string; state: string }[] };
    expect(queue.items).toEqual([expect.objectContaining({ title: "Putin signals willingness to negotiate on Ukraine in Beijing", state: "unreviewed" })]);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("review desk");

    const code = await new Promise<number | null>((resolve) => {
      child.on("exit", resolve);
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
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
