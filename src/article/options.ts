export interface ReadOptions {
  /** Override language detection (--source-lang). */
  sourceLang?: string;
  /** Largest input file read, in bytes (--max-bytes); default 5 MiB. For JSONL it limits each line. */
  maxBytes?: number;
  /** Extra debris lines, one pattern per line, added to the shipped list. */
  debrisFile?: string;
  /** Used for the input "-" (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /**
   * URL inputs: the SQLite file that keeps fetched pages with their ETag / Last-Modified, so a rerun
   * asks conditionally and a 304 reuses the stored body (table `pages`; the CLI passes its --cache
   * file). Unset: every URL is fetched in full.
   */
  fetchCache?: string;
  /** URL inputs: longest time for one URL, redirects and body included (--fetch-timeout); default 30 s. */
  fetchTimeoutMs?: number;
  /** URL inputs: longest wait for each answer's headers (connecting included); default 10 s, at most fetchTimeoutMs. */
  connectTimeoutMs?: number;
  /** URL inputs: the User-Agent sent; default `newsdesk/<version> (...)`, or $NEWSDESK_USER_AGENT. */
  userAgent?: string;
  /** Feeds: only items published at or after this time (--since); undated items are kept. */
  since?: Date;
  /** Feeds: at most this many items per feed, newest first (--limit). */
  limit?: number;
}

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
