// Results of finished tasks in one SQLite file (WAL, busy timeout), so a rerun, a resumed batch
// or a second process never pays twice for the same work.
import { createRequire } from "node:module";
import type Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { CacheError } from "./errors.ts";
import os from "node:os";
import path from "node:path";

// The native module is loaded when a cache is opened, not when a command that needs none starts.
const sqlite = () => createRequire(import.meta.url)("better-sqlite3") as typeof Database;

export function defaultCachePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "newsdesk", "cache.sqlite");
}

/** sha256 over a canonical JSON of everything that decides a task's answer. */
export function cacheKey(parts: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    // Keys in code-unit order (sort's default for strings), undefined values left out.
    let json = "";
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) json += `${json ? "," : ""}${JSON.stringify(key)}:${canonicalJson(v)}`;
    }
    return `{${json}}`;
  }
  return JSON.stringify(value ?? null);
}

const TOUCH_AFTER_MS = 86_400_000;

export interface CacheEntry<T = unknown> { value: T; warnings: string[] }

/** What is recorded beside an answer: the task, the model, and whose task it was. */
export interface CacheMeta {
  task: string;
  model: string;
  article?: string;
  title?: string;
  langs?: string[];
}

/** One article in the cache, as `cache list` shows it. */
export interface CachedArticle {
  id: string;
  title: string;
  langs: string[];
  tasks: string[];
  entries: number;
  /** When its newest entry was written (ISO). */
  newest: string;
}

export interface CacheStats {
  file: string;
  /** Articles with at least one cached task (entries from before newsdesk recorded articles are not counted). */
  articles: number;
  entries: number;
  bytes: number;
  byTask: Record<string, number>;
  oldest: string | null;
  newest: string | null;
}

const FRESH_START = "run `newsdesk cache clear --cache FILE` to start afresh, or point --cache elsewhere (--no-cache for none)";

/** A one-line reason for a failed open, naming what the user can do. */
function openProblem(file: string, error: unknown): CacheError {
  const code = (error as { code?: string }).code ?? "";
  const message = (error as Error).message ?? String(error);
  if (code === "SQLITE_NOTADB") return new CacheError(file, "not an SQLite database", FRESH_START.replace("FILE", file));
  if (code.startsWith("SQLITE_CORRUPT")) return new CacheError(file, "the database is damaged", FRESH_START.replace("FILE", file));
  if (code.startsWith("SQLITE_CANTOPEN") || code === "EACCES" || code === "EROFS") {
    return new CacheError(file, `cannot be opened (${message})`, "check the folder's permissions, or point --cache elsewhere");
  }
  return new CacheError(file, message, "point --cache elsewhere, or use --no-cache");
}

export interface CacheOptions {
  /** Open for reading only (cache stats, list): never creates or changes anything. */
  readonly?: boolean;
  /** Told once when a write fails; the answer is kept in the output all the same. */
  onWriteError?: (error: CacheError) => void;
}

export class Cache {
  private db: Database.Database;
  private getStmt: Database.Statement;
  private putStmt: Database.Statement | null = null;
  private touchStmt: Database.Statement | null = null;
  /** The first failed write (read-only file, full disk): the run goes on without caching. */
  writeError: CacheError | null = null;

  /** Throws CacheError, naming the file and what to do, when the file cannot serve as a cache at all. */
  constructor(readonly file: string, private readonly options: CacheOptions = {}) {
    if (file !== ":memory:") {
      if (existsSync(file) && !statSync(file).isFile()) {
        throw new CacheError(file, statSync(file).isDirectory() ? "is a folder, not a file" : "is not a regular file", "point --cache at a file");
      }
      if (!options.readonly) {
        try {
          mkdirSync(path.dirname(file), { recursive: true });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          const problem = code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way" : (code ?? (error as Error).message);
          throw new CacheError(file, `cannot create its folder ${path.dirname(file)} (${problem})`, "point --cache elsewhere");
        }
      }
    }
    try {
      this.db = new (sqlite())(file, { readonly: !!options.readonly, fileMustExist: !!options.readonly });
      if (!options.readonly) {
        this.db.pragma("busy_timeout = 10000");
        this.openForWriting();
      }
      this.getStmt = this.db.prepare("SELECT value, used FROM results WHERE key = ?");
    } catch (error) {
      if (error instanceof CacheError) throw error;
      throw openProblem(file, error);
    }
  }

  /** WAL and the table; a file we may read but not write (read-only) is still used for reading. */
  private openForWriting() {
    try {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.exec(`CREATE TABLE IF NOT EXISTS results (
        key TEXT PRIMARY KEY,
        task TEXT NOT NULL,
        model TEXT NOT NULL,
        value TEXT NOT NULL,
        created INTEGER NOT NULL,
        used INTEGER NOT NULL
      )`);
      // Added later: whose task an entry is (for `cache list`); older files get the columns empty.
      const columns = new Set((this.db.prepare("PRAGMA table_info(results)").all() as { name: string }[]).map((c) => c.name));
      for (const column of ["article", "title", "langs"]) {
        if (!columns.has(column)) this.db.exec(`ALTER TABLE results ADD COLUMN ${column} TEXT`);
      }
      this.db.exec("CREATE INDEX IF NOT EXISTS results_article ON results (article)");
      this.putStmt = this.db.prepare(
        "INSERT OR REPLACE INTO results (key, task, model, value, created, used, article, title, langs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      this.touchStmt = this.db.prepare("UPDATE results SET used = ? WHERE key = ?");
      this.db.exec(BATCH_TABLES);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (!code.startsWith("SQLITE_READONLY")) throw error;
      this.db.close();
      this.db = new (sqlite())(this.file, { readonly: true });
      this.failedWrite(error);
    }
  }

  private failedWrite(error: unknown) {
    if (this.writeError) return;
    const code = (error as { code?: string }).code ?? "";
    const problem = code.startsWith("SQLITE_READONLY")
      ? "is read-only"
      : code === "SQLITE_FULL"
        ? "cannot grow: the disk is full"
        : `cannot be written (${(error as Error).message})`;
    this.writeError = new CacheError(this.file, problem, "answers are kept in the output but not cached, so a rerun pays for them again");
    this.options.onWriteError?.(this.writeError);
  }

  get<T>(key: string): CacheEntry<T> | undefined {
    const row = this.getStmt.get(key) as { value: string; used: number } | undefined;
    if (!row) return undefined;
    // `used` drives prune; a day's precision is enough and spares a write on most hits.
    const now = Date.now();
    if (this.touchStmt && !this.writeError && now - row.used > TOUCH_AFTER_MS) {
      try {
        this.touchStmt.run(now, key);
      } catch (error) {
        this.failedWrite(error);
      }
    }
    return JSON.parse(row.value) as CacheEntry<T>;
  }

  has(key: string): boolean {
    return this.getStmt.get(key) !== undefined;
  }

  /**
   * Written (and committed) the moment a task finishes, so a killed batch keeps it. Never throws:
   * an answer that was paid for must reach the output even when the cache cannot take it.
   */
  set<T>(key: string, meta: CacheMeta, entry: CacheEntry<T>): boolean {
    if (!this.putStmt || this.writeError) return false;
    const now = Date.now();
    try {
      this.putStmt.run(key, meta.task, meta.model, JSON.stringify(entry), now, now, meta.article ?? null, meta.title ?? null, meta.langs?.join(",") ?? null);
      return true;
    } catch (error) {
      this.failedWrite(error);
      return false;
    }
  }

  /**
   * Several entries in one transaction, so one commit (an answer and its language parts). Never
   * throws, as `set`; true when all were written.
   */
  setMany(entries: { key: string; meta: CacheMeta; entry: CacheEntry }[]): boolean {
    if (!this.putStmt || this.writeError) return false;
    try {
      return this.db.transaction(() => entries.every((e) => this.set(e.key, e.meta, e.entry))).immediate();
    } catch (error) {
      this.failedWrite(error);
      return false;
    }
  }

  stats(): CacheStats {
    const rows = this.db.prepare("SELECT task, COUNT(*) AS n FROM results GROUP BY task ORDER BY task").all() as { task: string; n: number }[];
    const range = this.db.prepare("SELECT MIN(created) AS oldest, MAX(created) AS newest, COUNT(*) AS n FROM results").get() as {
      oldest: number | null; newest: number | null; n: number;
    };
    let bytes = 0;
    for (const suffix of ["", "-wal"]) {
      try { bytes += statSync(this.file + suffix).size; } catch { /* not there */ }
    }
    const articles = this.hasColumn("article")
      ? (this.db.prepare("SELECT COUNT(DISTINCT article) AS n FROM results WHERE article IS NOT NULL").get() as { n: number }).n
      : 0;
    return {
      file: this.file,
      articles,
      entries: range.n,
      bytes,
      byTask: Object.fromEntries(rows.map((r) => [r.task, r.n])),
      oldest: range.oldest ? new Date(range.oldest).toISOString() : null,
      newest: range.newest ? new Date(range.newest).toISOString() : null,
    };
  }

  private hasColumn(name: string): boolean {
    return (this.db.prepare("PRAGMA table_info(results)").all() as { name: string }[]).some((c) => c.name === name);
  }

  /** Cached articles, newest first: id, title, languages, task kinds, entries, age. */
  list(limit = 1000): CachedArticle[] {
    if (!this.hasColumn("article")) return [];
    const rows = this.db
      .prepare(
        `SELECT article, MAX(title) AS title, GROUP_CONCAT(DISTINCT langs) AS langs, GROUP_CONCAT(DISTINCT task) AS tasks,
                COUNT(*) AS entries, MAX(created) AS newest
         FROM results WHERE article IS NOT NULL GROUP BY article ORDER BY newest DESC LIMIT ?`,
      )
      .all(limit) as { article: string; title: string | null; langs: string | null; tasks: string; entries: number; newest: number }[];
    return rows.map((r) => ({
      id: r.article,
      title: r.title ?? "",
      langs: [...new Set((r.langs ?? "").split(",").filter(Boolean))].sort(),
      tasks: r.tasks.split(",").sort(),
      entries: r.entries,
      newest: new Date(r.newest).toISOString(),
    }));
  }

  /** Every cached answer of one article (by id, or a unique id prefix). */
  show(id: string): { id: string; title: string; entries: { task: string; langs: string[]; model: string; created: string; value: unknown; warnings: string[] }[] } | null {
    if (!this.hasColumn("article")) return null;
    const ids = this.db.prepare("SELECT DISTINCT article FROM results WHERE article = ? OR article LIKE ? ESCAPE '\\' LIMIT 2").all(id, `${id.replace(/[\\%_]/g, "\\$&")}%`) as { article: string }[];
    const exact = ids.find((r) => r.article === id) ?? (ids.length === 1 ? ids[0] : undefined);
    if (!exact) return null;
    const rows = this.db.prepare("SELECT task, model, langs, title, value, created FROM results WHERE article = ? ORDER BY created").all(exact.article) as {
      task: string; model: string; langs: string | null; title: string | null; value: string; created: number;
    }[];
    return {
      id: exact.article,
      title: rows[0]?.title ?? "",
      entries: rows.map((r) => {
        const entry = JSON.parse(r.value) as CacheEntry;
        return { task: r.task, langs: (r.langs ?? "").split(",").filter(Boolean), model: r.model, created: new Date(r.created).toISOString(), value: entry.value, warnings: entry.warnings };
      }),
    };
  }

  clear(): number {
    const { changes } = this.db.prepare("DELETE FROM results").run();
    if (this.hasTable("batches")) this.db.exec("DELETE FROM batch_tasks; DELETE FROM batches");
    if (this.hasTable("pages")) this.db.exec("DELETE FROM pages");
    this.db.exec("VACUUM");
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    return changes;
  }

  /** Removes a cache file that cannot be opened (damaged, not a database), with its WAL files. */
  static remove(file: string): void {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  }

  /**
   * Removes what was not used for `olderThanMs`: task answers, fetched pages (by when they were
   * last fetched or revalidated) and collected batches with their tasks (a batch still open at the
   * provider is kept, whatever its age).
   */
  prune(olderThanMs: number): { entries: number; pages: number; batches: number } {
    const cutoff = Date.now() - olderThanMs;
    const removed = this.db.transaction(() => {
      const entries = this.db.prepare("DELETE FROM results WHERE used < ?").run(cutoff).changes;
      const pages = this.hasTable("pages") ? this.db.prepare("DELETE FROM pages WHERE checked < ?").run(cutoff).changes : 0;
      let batches = 0;
      if (this.batchTables) {
        this.db.prepare("DELETE FROM batch_tasks WHERE batch IN (SELECT id FROM batches WHERE collected = 1 AND updated < ?)").run(cutoff);
        batches = this.db.prepare("DELETE FROM batches WHERE collected = 1 AND updated < ?").run(cutoff).changes;
      }
      return { entries, pages, batches };
    })();
    // Give the space back to the disk, not only to SQLite's free list.
    if (removed.entries + removed.pages + removed.batches > 0) this.db.exec("VACUUM");
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    return removed;
  }

  close(): void {
    this.db.close();
  }

  // --- Batch bookkeeping (--via batch): which tasks went into which provider batch, and what came back. ---

  private hasTable(name: string): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  private get batchTables(): boolean {
    return (this.batchTablesThere ??= this.hasTable("batches") && this.hasTable("batch_tasks"));
  }
  private batchTablesThere: boolean | undefined;

  /** Records a batch and its tasks in one transaction, before or right after the provider has it. */
  recordBatch(batch: BatchRecordInput, tasks: BatchTaskInput[]): void {
    const now = Date.now();
    const insertTask = this.db.prepare("INSERT OR REPLACE INTO batch_tasks (batch, key, fingerprint, task, label, article) VALUES (?, ?, ?, ?, ?, ?)");
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO batches (id, server, model, status, input_file, requests, counts, command, cwd, created, updated, collected)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
        )
        .run(batch.id, batch.server, batch.model, batch.status, batch.inputFile, tasks.length, JSON.stringify({ total: tasks.length, completed: 0, failed: 0 }), JSON.stringify(batch.command ?? []), batch.cwd ?? null, now, now);
      for (const t of tasks) insertTask.run(batch.id, t.key, t.fingerprint, t.task, t.label, t.article ?? null);
    })();
  }

  /** A batch recorded under a placeholder id (before the provider named it) gets its real id. */
  renameBatch(from: string, to: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE batches SET id = ? WHERE id = ?").run(to, from);
      this.db.prepare("UPDATE batch_tasks SET batch = ? WHERE batch = ?").run(to, from);
    })();
  }

  /** The provider's view of a batch: status, counts, result files. */
  updateBatch(id: string, state: { status: string; counts?: { total: number; completed: number; failed: number }; outputFile?: string | null; errorFile?: string | null; errors?: string[] }): void {
    this.db
      .prepare("UPDATE batches SET status = ?, counts = COALESCE(?, counts), output_file = COALESCE(?, output_file), error_file = COALESCE(?, error_file), errors = COALESCE(?, errors), updated = ? WHERE id = ?")
      .run(state.status, state.counts ? JSON.stringify(state.counts) : null, state.outputFile ?? null, state.errorFile ?? null, state.errors?.length ? JSON.stringify(state.errors) : null, Date.now(), id);
  }

  /** Stores what came back for a batch's tasks (answers as JSON, or an error line), many rows in one transaction. */
  storeBatchResults(batch: string, rows: { key: string; answer?: unknown; error?: string }[]): void {
    const update = this.db.prepare("UPDATE batch_tasks SET answer = ?, error = ? WHERE batch = ? AND key = ?");
    this.db.transaction(() => {
      for (const row of rows) update.run(row.answer === undefined ? null : JSON.stringify(row.answer), row.error ?? null, batch, row.key);
    })();
  }

  /** The batch's output is in: it is not waited for again; `usage` is what its answers cost (batch rate). */
  markBatchCollected(id: string, usage: unknown): void {
    this.db.prepare("UPDATE batches SET collected = 1, usage = ?, updated = ? WHERE id = ?").run(JSON.stringify(usage), Date.now(), id);
  }

  batch(id: string): BatchRecord | undefined {
    if (!this.batchTables) return undefined;
    const row = this.db.prepare("SELECT * FROM batches WHERE id = ?").get(id) as BatchRow | undefined;
    return row ? batchRecord(row) : undefined;
  }

  /** Recorded batches, newest first. */
  batches(limit = 50): BatchRecord[] {
    if (!this.batchTables) return [];
    return (this.db.prepare("SELECT * FROM batches ORDER BY created DESC LIMIT ?").all(limit) as BatchRow[]).map(batchRecord);
  }

  /**
   * Where a task stands with the batches: "open" in a batch not yet collected (with its id),
   * "answered" (an answer is stored), "failed" (its line failed: the synchronous path does it),
   * "unfinished" (its batch ended before it ran), or undefined (never batched).
   */
  batchState(key: string): { state: "open" | "answered" | "failed" | "unfinished"; batch: string } | undefined {
    if (!this.batchTables) return undefined;
    const row = this.db
      .prepare(
        `SELECT t.batch, b.collected, t.answer IS NOT NULL AS answered, t.error FROM batch_tasks t JOIN batches b ON b.id = t.batch
         WHERE t.key = ? ORDER BY t.answer IS NOT NULL DESC, b.created DESC LIMIT 1`,
      )
      .get(key) as { batch: string; collected: number; answered: number; error: string | null } | undefined;
    if (!row) return undefined;
    if (row.answered) return { state: "answered", batch: row.batch };
    if (!row.collected) return { state: "open", batch: row.batch };
    return { state: row.error && !row.error.startsWith(UNFINISHED) ? "failed" : "unfinished", batch: row.batch };
  }

  /** The stored batch answer of a request, by its fingerprint (see run/batch-api.ts). */
  batchAnswer<T>(fingerprint: string): { batch: string; key: string; answer: T } | undefined {
    if (!this.batchTables) return undefined;
    const row = this.db.prepare("SELECT batch, key, answer FROM batch_tasks WHERE fingerprint = ? AND answer IS NOT NULL LIMIT 1").get(fingerprint) as
      | { batch: string; key: string; answer: string }
      | undefined;
    return row ? { batch: row.batch, key: row.key, answer: JSON.parse(row.answer) as T } : undefined;
  }

  /** A batch's tasks that got neither an answer nor a failed line (the batch ended first). */
  unansweredBatchTasks(batch: string): { key: string; fingerprint: string; label: string }[] {
    return this.db
      .prepare(`SELECT key, fingerprint, label FROM batch_tasks WHERE batch = ? AND answer IS NULL AND (error IS NULL OR error LIKE '${UNFINISHED}%')`)
      .all(batch) as { key: string; fingerprint: string; label: string }[];
  }
}

/** Marks a batch task whose batch ended (expired, cancelled, failed) before it ran. */
export const UNFINISHED = "unfinished: ";

const BATCH_TABLES = `
  CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    server TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    input_file TEXT,
    output_file TEXT,
    error_file TEXT,
    errors TEXT,
    requests INTEGER NOT NULL,
    counts TEXT,
    usage TEXT,
    command TEXT,
    cwd TEXT,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    collected INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS batch_tasks (
    batch TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    task TEXT,
    label TEXT,
    article TEXT,
    answer TEXT,
    error TEXT,
    PRIMARY KEY (batch, key)
  );
  CREATE INDEX IF NOT EXISTS batch_tasks_key ON batch_tasks (key);
  CREATE INDEX IF NOT EXISTS batch_tasks_fingerprint ON batch_tasks (fingerprint);
`;

export interface BatchRecordInput {
  id: string;
  server: string;
  model: string;
  status: string;
  inputFile: string;
  /** The command line that made it (arguments after `newsdesk`) and its folder: what `batches resume` runs again. */
  command?: string[];
  cwd?: string;
}

export interface BatchTaskInput {
  key: string;
  fingerprint: string;
  task: string;
  label: string;
  article?: string;
}

export interface BatchRecord {
  id: string;
  server: string;
  model: string;
  status: string;
  inputFile: string | null;
  outputFile: string | null;
  errorFile: string | null;
  errors: string[];
  requests: number;
  counts: { total: number; completed: number; failed: number };
  usage: Record<string, number> | null;
  command: string[];
  cwd: string | null;
  created: string;
  updated: string;
  collected: boolean;
}

interface BatchRow {
  id: string; server: string; model: string; status: string; input_file: string | null; output_file: string | null; error_file: string | null;
  errors: string | null; requests: number; counts: string | null; usage: string | null; command: string | null; cwd: string | null;
  created: number; updated: number; collected: number;
}

function batchRecord(r: BatchRow): BatchRecord {
  return {
    id: r.id,
    server: r.server,
    model: r.model,
    status: r.status,
    inputFile: r.input_file,
    outputFile: r.output_file,
    errorFile: r.error_file,
    errors: r.errors ? (JSON.parse(r.errors) as string[]) : [],
    requests: r.requests,
    counts: r.counts ? JSON.parse(r.counts) : { total: r.requests, completed: 0, failed: 0 },
    usage: r.usage ? JSON.parse(r.usage) : null,
    command: r.command ? (JSON.parse(r.command) as string[]) : [],
    cwd: r.cwd,
    created: new Date(r.created).toISOString(),
    updated: new Date(r.updated).toISOString(),
    collected: r.collected === 1,
  };
}
