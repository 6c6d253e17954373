// The command line's entry: builds the program from the commands in commands/ and runs it on a
// run's streams (runCli). The commands parse flags, call the library and print; nothing in cli/
// that a library user would need too. A command imports its heavy modules (pipeline, tasks, zod,
// the model client) in its action, so building the program for --help stays cheap.
import { Command } from "commander";
import { loadEnvFile } from "../core/config.ts";
import { describeError, exitCodeOf } from "../core/errors.ts";
import { registerSecret } from "../core/secrets.ts";
import { addArticleCommands } from "./commands/article.ts";
import { addBatchesCommand } from "./commands/batches.ts";
import { addCacheCommand } from "./commands/cache.ts";
import { addNewsletterCommand } from "./commands/newsletter.ts";
import { addServeCommand } from "./commands/serve.ts";
import { addStatusCommand } from "./commands/status.ts";
import { EXIT_OK, EXIT_USAGE, io, startRun, terminalSafe, type CliIo } from "./io.ts";
import { packageVersion } from "./version.ts";

export { terminalSafe, type CliIo };

export function buildProgram(): Command {
  const program = new Command("newsdesk")
    .description("Translate, summarise and build newsletter snippets for a bilingual news desk")
    .version(packageVersion(), "-V, --version", "print the version")
    .configureOutput({ writeOut: (text) => void io.stdout.write(text), writeErr: (text) => void io.stderr.write(text) })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  addArticleCommands(program);
  addNewsletterCommand(program);
  addServeCommand(program);
  addStatusCommand(program);
  addCacheCommand(program);
  addBatchesCommand(program, buildProgram);
  return program;
}

let turn: Promise<unknown> = Promise.resolve();

/**
 * Runs the command line on the given streams, environment and arguments, and resolves to the exit
 * code. Nothing is read from or written to the process's own streams or environment, so a test
 * (or a program) can run it in-process; runs in one process take turns.
 */
export function runCli(options: Partial<CliIo> = {}): Promise<number> {
  const next = turn.then(() => runOnce(options));
  turn = next.catch(() => undefined);
  return next;
}

async function runOnce(options: Partial<CliIo>): Promise<number> {
  const finish = startRun(options);
  try {
    io.envFiles = loadEnvFile(".env", io.env);
    registerSecret(io.env.OPENAI_API_KEY);
    const program = buildProgram();
    try {
      await program.parseAsync(io.argv);
      return Number(io.exitCode ?? EXIT_OK);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") return EXIT_OK;
      if (typeof code === "string" && code.startsWith("commander.")) return EXIT_USAGE;
      io.stderr.write(`newsdesk: ${describeError(error)}\n`);
      return exitCodeOf(error);
    }
  } finally {
    finish();
  }
}

/** The command line of this process. */
export function main(): Promise<number> {
  return runCli();
}
