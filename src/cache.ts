// Results of finished tasks in one SQLite file (WAL, busy timeout), so a rerun, a resumed batch
// or a second process never pays twice for the same work.
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

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
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

const TOUCH_AFTER_MS = 86_400_000;

export interface CacheEntry<T = unknown> { value: T; warnings: string[] }

export interface CacheStats {
  file: string;
  entries: number;
  bytes: number;
  byTask: Record<string, number>;
  oldest: string | null;
  newest: string | null;
}

export class Cache {
  private db: Database.Database;
  private getStmt: Database.Statement;
  private putStmt: Database.Statement;
  private touchStmt: Database.Statement;

  constructor(readonly file: string) {
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 10000");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(`CREATE TABLE IF NOT EXISTS results (
      key TEXT PRIMARY KEY,
      task TEXT NOT NULL,
      model TEXT NOT NULL,
      value TEXT NOT NULL,
      created INTEGER NOT NULL,
      used INTEGER NOT NULL
    )`);
    this.getStmt = this.db.prepare("SELECT value, used FROM results WHERE key = ?");
    this.putStmt = this.db.prepare(
      "INSERT OR REPLACE INTO results (key, task, model, value, created, used) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.touchStmt = this.db.prepare("UPDATE results SET used = ? WHERE key = ?");
  }

  get<T>(key: string): CacheEntry<T> | undefined {
    const row = this.getStmt.get(key) as { value: string; used: number } | undefined;
    if (!row) return undefined;
    // `used` drives prune; a day's precision is enough and spares a write on most hits.
    const now = Date.now();
    if (now - row.used > TOUCH_AFTER_MS) this.touchStmt.run(now, key);
    return JSON.parse(row.value) as CacheEntry<T>;
  }

  has(key: string): boolean {
    return this.getStmt.get(key) !== undefined;
  }

  /** Written (and committed) the moment a task finishes, so a killed batch keeps it. */
  set<T>(key: string, meta: { task: string; model: string }, entry: CacheEntry<T>): void {
    const now = Date.now();
    this.putStmt.run(key, meta.task, meta.model, JSON.stringify(entry), now, now);
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
    return {
      file: this.file,
      entries: range.n,
      bytes,
      byTask: Object.fromEntries(rows.map((r) => [r.task, r.n])),
      oldest: range.oldest ? new Date(range.oldest).toISOString() : null,
      newest: range.newest ? new Date(range.newest).toISOString() : null,
    };
  }

  clear(): number {
    const { changes } = this.db.prepare("DELETE FROM results").run();
    this.db.exec("VACUUM");
    return changes;
  }

  /** Removes entries not used for `olderThanMs`. */
  prune(olderThanMs: number): number {
    const { changes } = this.db.prepare("DELETE FROM results WHERE used < ?").run(Date.now() - olderThanMs);
    return changes;
  }

  close(): void {
    this.db.close();
  }
}
