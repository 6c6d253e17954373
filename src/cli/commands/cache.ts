// `newsdesk cache`: look into or empty the cache file: path, list, show, stats, prune, clear.
import type { Command } from "commander";
import { existsSync, statSync } from "node:fs";
import { Cache } from "../../core/cache.ts";
import { CacheError, ConfigError } from "../../core/errors.ts";
import { atLeastOne, cachePathOf, positiveInt } from "../flags.ts";
import { io, say, terminalSafe, writeStdout } from "../io.ts";

export function addCacheCommand(program: Command) {
  const cache = program.command("cache").description("look into or empty the cache: path, list, show, stats, prune, clear");
  const cachePath = (options: { cache?: string }) => cachePathOf(options.cache);
  /** Looking never creates anything: a missing file is "nothing cached yet". */
  const openToRead = (options: { cache?: string; json?: boolean }, empty: unknown): Cache | null => {
    const file = cachePath(options);
    if (existsSync(file)) return new Cache(file, { readonly: true });
    writeStdout(options.json ? JSON.stringify(empty) + "\n" : `no cache at ${file} (nothing cached yet)\n`);
    return null;
  };
  const age = (iso: string) => {
    const hours = (Date.now() - Date.parse(iso)) / 3_600_000;
    return hours < 1 ? `${Math.max(0, Math.round(hours * 60))} min` : hours < 48 ? `${Math.round(hours)} h` : `${Math.round(hours / 24)} d`;
  };
  cache
    .command("path")
    .description("print where the cache file is")
    .option("--cache <file>", "cache file")
    .action((options) => writeStdout(cachePath(options) + "\n"));
  cache
    .command("list")
    .description("cached articles, newest first: id, title, languages, task kinds, age")
    .option("--cache <file>", "cache file")
    .option("--limit <n>", "at most this many articles", atLeastOne, 50)
    .option("--json", "as JSON (one array)")
    .action((options) => {
      const store = openToRead(options, []);
      if (!store) return;
      const articles = store.list(options.limit);
      store.close();
      if (options.json) return void writeStdout(JSON.stringify(articles, null, 2) + "\n");
      for (const a of articles) {
        writeStdout(terminalSafe(`${a.id}  ${a.langs.join(",") || "-"}  ${a.tasks.join(",")}  ${age(a.newest)}  ${a.title}`) + "\n");
      }
    });
  cache
    .command("show")
    .description("print what the cache holds for one article (its id, or a unique start of it)")
    .argument("<id>", "article id as `cache list` shows it")
    .option("--cache <file>", "cache file")
    .action((id: string, options) => {
      const store = openToRead(options, null);
      if (!store) return;
      const found = store.show(id);
      store.close();
      if (!found) throw new ConfigError(`no cached article ${JSON.stringify(id)} in ${cachePath(options)} (see newsdesk cache list)`);
      writeStdout(JSON.stringify(found, null, 2) + "\n");
    });
  cache
    .command("stats")
    .description("how much the cache holds: articles, entries per task, size")
    .option("--cache <file>", "cache file")
    .option("--json", "as JSON")
    .action((options) => {
      const store = openToRead(options, null);
      if (!store) return;
      const stats = store.stats();
      store.close();
      if (options.json) return void writeStdout(JSON.stringify(stats, null, 2) + "\n");
      const tasks = Object.entries(stats.byTask).map(([t, n]) => `${t} ${n}`).join(", ") || "none";
      writeStdout(
        `${stats.file}\n${stats.articles} article${stats.articles === 1 ? "" : "s"}, ${stats.entries} entries (${tasks}), ${(stats.bytes / 1024).toFixed(0)} KiB` +
          (stats.oldest ? `, from ${stats.oldest} to ${stats.newest}` : "") + "\n",
      );
    });
  cache
    .command("clear")
    .description("remove everything (asks first on a terminal)")
    .option("--cache <file>", "cache file")
    .option("-y, --yes", "do not ask")
    .action(async (options) => {
      const file = cachePath(options);
      if (!options.yes && io.stdin.isTTY && io.stderr.isTTY && existsSync(file)) {
        const { createInterface } = await import("node:readline/promises");
        const rl = createInterface({ input: io.stdin, output: io.stderr });
        const answer = await rl.question(`remove every cached answer in ${file}? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) return void say("newsdesk: nothing removed");
      }
      let store: Cache;
      try {
        store = new Cache(file);
      } catch (error) {
        // A damaged file or one that is no database at all: clearing means starting afresh.
        if (!(error instanceof CacheError) || !existsSync(file) || !statSync(file).isFile()) throw error;
        Cache.remove(file);
        return void writeStdout(`${file} was not a usable cache (${error.problem}); removed it\n`);
      }
      const n = store.clear();
      store.close();
      writeStdout(`removed ${n} entries from ${store.file}\n`);
    });
  cache
    .command("prune")
    .description("remove entries, fetched pages and collected batches unused for a while, and give the space back")
    .option("--cache <file>", "cache file")
    .option("--older-than <days>", "remove entries unused for this many days", positiveInt, 30)
    .action((options) => {
      const store = new Cache(cachePath(options));
      const before = store.stats().bytes;
      const removed = store.prune(options.olderThan * 86_400_000);
      const after = store.stats().bytes;
      store.close();
      const extra = [removed.pages ? `${removed.pages} fetched page${removed.pages === 1 ? "" : "s"}` : "", removed.batches ? `${removed.batches} collected batch${removed.batches === 1 ? "" : "es"}` : ""].filter(Boolean);
      writeStdout(`removed ${removed.entries} ${removed.entries === 1 ? "entry" : "entries"}${extra.length ? ` (and ${extra.join(" and ")})` : ""} unused for ${options.olderThan} days; ${((before - after) / 1024).toFixed(0)} KiB freed\n`);
    });
}
