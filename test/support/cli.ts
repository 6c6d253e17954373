// Runs `newsdesk` for a test. By default in-process through runCli (the same code the executable
// runs, with the test's environment and streams), which is fast; spawnCli runs the real executable
// (bin/newsdesk.js) in its own process, for what only a process shows (the bin, signals, a cwd).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Readable, Writable } from "node:stream";
import { runCli as runInProcess } from "../../src/cli/main.ts";
import { ROOT } from "./setup.ts";

export interface CliResult { code: number | null; stdout: string; stderr: string }

export interface CliOptions {
  env?: Record<string, string>;
  /** A working folder other than the project's: the run is spawned (a process has its own cwd). */
  cwd?: string;
  input?: string;
}

/** A stream that keeps what is written to it, like a pipe a test reads at the end. */
class Collected extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `newsdesk ARGS` with only the given environment (plus PATH and HOME). */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  if (options.cwd) return spawnCli(args, options);
  const stdout = new Collected();
  const stderr = new Collected();
  const code = await runInProcess({
    argv: [process.execPath, path.join(ROOT, "bin/newsdesk.js"), ...args],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdout,
    stderr,
    stdin: Readable.from(options.input ? [options.input] : []),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** What a spawned process wrote and how it ended. */
export function collected(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the executable (bin/newsdesk.js) as a user would, in its own process. */
export function spawnCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(ROOT, "bin/newsdesk.js"), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end(options.input ?? "");
  return collected(child);
}
