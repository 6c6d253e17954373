export interface ReadOptions {
  /** Override language detection (--source-lang). */
  sourceLang?: string;
  /** Largest input file read, in bytes (--max-bytes); default 5 MiB. For JSONL it limits each line. */
  maxBytes?: number;
  /** Extra debris lines, one pattern per line, added to the shipped list. */
  debrisFile?: string;
  /** Used for the input "-" (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
