// Fetched pages with their validators (ETag, Last-Modified), so a rerun asks the site conditionally
// and a 304 reuses the stored body. One table, `pages`, in the same SQLite file as the task cache
// (the CLI passes its --cache file); opened with the first URL of a read, closed at its end.
import Database from "better-sqlite3";
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";

export interface StoredPage {
  /** The URL that answered (a hop's own URL; redirects are not stored). */
  url: string;
  etag: string | null;
  lastModified: string | null;
  contentType: string | null;
  body: Buffer;
  /** When it was last fetched or revalidated (ms since the epoch). */
  checked: number;
}

export class PageCache {
  private db: Database.Database;
  private getStmt: Database.Statement;
  private putStmt: Database.Statement;
  private touchStmt: Database.Statement;

  /** Throws when the file cannot be opened or written; callers then fetch without it. */
  constructor(readonly file: string) {
    if (file !== ":memory:") {
      if (existsSync(file) && !statSync(file).isFile()) throw new Error(`${file} is not a file`);
      mkdirSync(path.dirname(file), { recursive: true });
    }
    this.db = new Database(file);
    this.db.pragma("busy_timeout = 10000");
    this.db.pragma("journal_mode = WAL");
    this.db.exec(`CREATE TABLE IF NOT EXISTS pages (
      url TEXT PRIMARY KEY,
      etag TEXT,
      last_modified TEXT,
      content_type TEXT,
      body BLOB NOT NULL,
      checked INTEGER NOT NULL
    )`);
    this.getStmt = this.db.prepare("SELECT url, etag, last_modified, content_type, body, checked FROM pages WHERE url = ?");
    this.putStmt = this.db.prepare(
      "INSERT OR REPLACE INTO pages (url, etag, last_modified, content_type, body, checked) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.touchStmt = this.db.prepare("UPDATE pages SET checked = ? WHERE url = ?");
  }

  get(url: string): StoredPage | null {
    const row = this.getStmt.get(url) as
      | { url: string; etag: string | null; last_modified: string | null; content_type: string | null; body: Buffer; checked: number }
      | undefined;
    if (!row) return null;
    return { url: row.url, etag: row.etag, lastModified: row.last_modified, contentType: row.content_type, body: row.body, checked: row.checked };
  }

  /** Stores a 200 answer that carries a validator (without one, a rerun could not ask conditionally). */
  put(page: StoredPage): void {
    this.putStmt.run(page.url, page.etag, page.lastModified, page.contentType, page.body, page.checked);
  }

  touch(url: string, when = Date.now()): void {
    this.touchStmt.run(when, url);
  }

  close(): void {
    this.db.close();
  }
}

/** Opens the page cache at `file`, or null when there is none or it cannot be used (fetching goes on without it). */
export function openPageCache(file: string | undefined): PageCache | null {
  if (!file) return null;
  try {
    return new PageCache(file);
  } catch {
    return null;
  }
}
