// `newsdesk batches`: the batches --via batch sent, as the cache file records them: list, status,
// cancel (asked of the provider) and resume (runs the command that submitted one again).
import { Option, type Command } from "commander";
import { existsSync } from "node:fs";
import path from "node:path";
import { Cache } from "../../core/cache.ts";
import { PROVIDER_KINDS, modelConfig } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { atLeastOne, cachePathOf, providerOptions } from "../flags.ts";
import { io, say, terminalSafe, writeStdout } from "../io.ts";

/** `newsdesk batches`; resume parses the recorded command with a fresh program from newProgram (main.ts's buildProgram). */
export function addBatchesCommand(program: Command, newProgram: () => Command) {
  const batches = program.command("batches").description("batches sent with --via batch: list, status, resume, cancel");
  const store = (options: { cache?: string }, readonly: boolean): Cache | null => {
    const file = cachePathOf(options.cache);
    if (!existsSync(file)) return null;
    return new Cache(file, { readonly });
  };
  const recordOf = (cache: Cache | null, id: string, options: { cache?: string }) => {
    const found = cache?.batch(id) ?? cache?.batches(1000).find((b) => b.id.startsWith(id));
    if (!found) throw new ConfigError(`no batch ${JSON.stringify(id)} recorded in ${cachePathOf(options.cache)} (see newsdesk batches list)`);
    return found;
  };
  const line = (b: { id: string; status: string; counts: { total: number; completed: number; failed: number } }) =>
    `${b.id}  ${b.status}  ${b.counts.completed}/${b.counts.total} done, ${b.counts.failed} failed`;

  batches
    .command("list")
    .description("the batches recorded in the cache file, newest first")
    .option("--cache <file>", "cache file")
    .option("--limit <n>", "at most this many", atLeastOne, 50)
    .option("--json", "as JSON")
    .action((options) => {
      const cache = store(options, true);
      const records = cache?.batches(options.limit) ?? [];
      cache?.close();
      if (options.json) return void writeStdout(JSON.stringify(records, null, 2) + "\n");
      if (records.length === 0) return void writeStdout("no batches recorded\n");
      for (const b of records) {
        writeStdout(terminalSafe(`${line(b)}  ${b.collected ? "collected" : "open"}  ${b.created}  newsdesk ${b.command.join(" ")}`) + "\n");
      }
    });

  for (const action of ["status", "cancel"] as const) {
    batches
      .command(action)
      .description(action === "status" ? "how a batch is doing, asked of the provider" : "cancel a batch at the provider (what finished is kept: run its command again to collect it)")
      .argument("<id>", "batch id (or a unique start of it)")
      .option("--cache <file>", "cache file")
      .option("-m, --model <name>", "model name")
      .addOption(new Option("--provider <name>", "who serves the model").choices([...PROVIDER_KINDS]))
      .option("--json", "as JSON")
      .action(async (id: string, options) => {
        const [{ createModelClient }, { refreshBatch }] = await Promise.all([import("../../model/create.ts"), import("../../run/batch-api.ts")]);
        const cache = store(options, false);
        try {
          const record = cache?.batch(id) ?? cache?.batches(1000).find((b) => b.id.startsWith(id));
          const config = modelConfig(io.env, options.model, options.provider);
          const provider = createModelClient({ ...providerOptions(config), maxRetries: 2, timeoutMs: 60_000 });
          const batch = await refreshBatch(provider, cache, record?.id ?? id, action);
          if (options.json) return void writeStdout(JSON.stringify(batch, null, 2) + "\n");
          writeStdout(terminalSafe(line(batch) + (batch.errors.length ? `  (${batch.errors.join("; ")})` : "")) + "\n");
        } finally {
          cache?.close();
        }
      });
  }

  batches
    .command("resume")
    .description("collect a batch: runs the command that submitted it again (in its folder), which waits for it and writes the results")
    .argument("<id>", "batch id (or a unique start of it)")
    .option("--cache <file>", "cache file")
    .action(async (id: string, options) => {
      const cache = store(options, true);
      const record = recordOf(cache, id, options);
      cache?.close();
      if (record.command.length === 0) throw new ConfigError(`batch ${record.id} has no recorded command`);
      const argv = [...record.command];
      if (options.cache && !argv.includes("--cache")) argv.push("--cache", path.resolve(options.cache));
      say(`newsdesk: resuming batch ${record.id}: newsdesk ${argv.join(" ")}${record.cwd ? ` (in ${record.cwd})` : ""}`);
      if (record.cwd) process.chdir(record.cwd);
      await newProgram().parseAsync(["node", "newsdesk", ...argv]);
    });
}
