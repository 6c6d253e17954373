// Inputs -> a stream of articles and errors: files, directories (walked lazily), globs, JSONL, stdin.
import { createReadStream, readFileSync, statSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { Readable } from "node:stream";
import type { Article } from "../core/types.ts";
import { decodeText } from "./decode.ts";
import { loadDebris } from "./debris.ts";
import { InputError, formatSize, fsProblem, tooBigProblem } from "./errors.ts";
import { readJsonl } from "./jsonl.ts";
import { DEFAULT_MAX_BYTES, type ReadOptions } from "./options.ts";
import { contentHash } from "./id.ts";
import { formatFromPath, parseArticle, sniffFormat, type InputFormat } from "./parse.ts";
import { looksLikeUrl } from "./fetch.ts";
import { sniffFeed } from "./feed.ts";
import { closeRemote, readFeedText, readUrl, urlList, type RemoteContext } from "./remote.ts";

export type ReadItem = { article: Article } | { error: InputError };

interface Context extends RemoteContext {
  options: ReadOptions;
  maxBytes: number;
  debris: Set<string>;
}

const GLOB_CHARS = /[*?[{]/;

function isFsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string";
}

/** An expected failure -> an error item; a programming error is rethrown. */
function asItem(error: unknown, file: string): ReadItem {
  if (error instanceof InputError) return { error };
  if (isFsError(error)) return { error: new InputError(file, fsProblem(error)) };
  throw error;
}

/**
 * Streams articles from inputs: files, directories (recursive, article files only), globs, JSONL files, "-" for stdin.
 * Ids are unique within one read: when a different article already has an article's id (ids from
 * JSONL or front matter are slugged and cut, so "etc/passwd" and "ETC PASSWD" meet), the later one
 * gets a suffix from its content hash, which is the same on every run.
 */
export async function* readArticles(inputs: string[], options: ReadOptions = {}): AsyncGenerator<ReadItem> {
  const seen = new Map<string, string>(); // id -> content hash
  for await (const item of readInputs(inputs, options)) {
    if ("article" in item) item.article.id = uniqueId(item.article, seen);
    yield item;
  }
}

/** Warnings that the structure of an article looks lost, as one line each, while the items pass through (--dry-run). */
export async function* reportStructureWarnings(items: AsyncIterable<ReadItem>, write: (line: string) => void): AsyncGenerator<ReadItem> {
  for await (const item of items) {
    if ("article" in item) {
      const { source, warnings } = item.article;
      const where = source.line === undefined ? source.path : `${source.path}:${source.line}`;
      for (const w of warnings ?? []) if (w.startsWith("structure")) write(`newsdesk: ${where}: ${w}\n`);
    }
    yield item;
  }
}

function uniqueId(article: Article, seen: Map<string, string>): string {
  const hash = contentHash(article.title, article.paragraphs);
  let id = article.id;
  for (let n = 10; seen.has(id) && seen.get(id) !== hash; n += 4) id = `${article.id}-${hash.slice(0, n)}`;
  seen.set(id, hash);
  return id;
}

async function* readInputs(inputs: string[], options: ReadOptions): AsyncGenerator<ReadItem> {
  let debris: Set<string>;
  try {
    debris = loadDebris(options.debrisFile);
  } catch (error) {
    yield asItem(error, options.debrisFile ?? "debris");
    return;
  }
  const ctx: Context = { options, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES, debris };
  try {
    for (const input of inputs) yield* readInput(input, ctx);
  } finally {
    closeRemote(ctx);
  }
}

async function* readInput(input: string, ctx: Context): AsyncGenerator<ReadItem> {
  if (input === "-") {
    yield* readStdin(ctx);
    return;
  }
  // A URL is never looked for on disk; a scheme other than http(s) is refused by the fetcher.
  if (looksLikeUrl(input)) {
    yield* readUrl(input, ctx);
    return;
  }
  let info;
  try {
    info = await stat(input);
  } catch (error) {
    if (isFsError(error) && error.code === "ENOENT" && GLOB_CHARS.test(input)) yield* readGlob(input, ctx);
    else yield asItem(error, input);
    return;
  }
  if (info.isDirectory()) yield* readDirectory(input, ctx);
  else yield* readFileInput(input, formatFromPath(input), ctx);
}

/**
 * How many articles the inputs hold, counted cheaply before they are read (files, files in
 * folders and globs, lines of JSONL files), so progress knows its total from the start. `exact`
 * is false when some input cannot be counted without reading it (stdin, URLs, feeds).
 */
export async function countArticles(inputs: string[]): Promise<{ count: number; exact: boolean }> {
  let count = 0;
  let exact = true;
  const countFile = (file: string) => {
    const format = formatFromPath(file);
    if (format === "jsonl") {
      try {
        const bytes = readFileSync(file);
        let lines = 0;
        let start = 0;
        for (let i = bytes.indexOf(10); i !== -1; start = i + 1, i = bytes.indexOf(10, start)) if (i > start) lines++;
        if (start < bytes.length) lines++;
        count += lines;
      } catch {
        count++;
      }
    } else if (format === "feed") exact = false;
    else count++;
  };
  for (const input of inputs) {
    if (input === "-" || looksLikeUrl(input)) {
      exact = false;
      continue;
    }
    const info = await stat(input).catch(() => null);
    if (info?.isDirectory()) {
      for await (const found of walk(input)) if ("file" in found) countFile(found.file);
    } else if (info) countFile(input);
    else if (GLOB_CHARS.test(input)) {
      const { glob } = await import("tinyglobby");
      const matches = await glob([input], { onlyFiles: true, dot: false, expandDirectories: false, absolute: isAbsolute(input), ignore: ["**/node_modules/**"] }).catch(() => []);
      for (const m of matches) if (formatFromPath(m) !== null) countFile(m);
    }
  }
  return { count, exact };
}

/** The article files under `dir`, depth first in sorted order, one directory listing at a time. */
async function* walk(dir: string): AsyncGenerator<{ file: string } | { error: InputError }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    yield asItem(error, dir) as { error: InputError };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    let isFile = entry.isFile();
    if (entry.isDirectory()) {
      yield* walk(path);
      continue;
    }
    if (entry.isSymbolicLink()) {
      // Follow links to files, not to directories (no loops).
      isFile = await stat(path).then((s) => s.isFile(), () => false);
    }
    if (isFile && formatFromPath(path) !== null) yield { file: path };
  }
}

async function* readDirectory(dir: string, ctx: Context): AsyncGenerator<ReadItem> {
  let files = 0;
  for await (const found of walk(dir)) {
    if ("error" in found) {
      yield found;
      continue;
    }
    files++;
    yield* readFileInput(found.file, formatFromPath(found.file), ctx);
  }
  if (files === 0) yield { error: new InputError(dir, "no article files in directory") };
}

async function* readGlob(pattern: string, ctx: Context): AsyncGenerator<ReadItem> {
  let matches: string[];
  try {
    const { glob } = await import("tinyglobby"); // only for glob patterns
    matches = await glob([pattern], {
      onlyFiles: true,
      dot: false,
      expandDirectories: false,
      absolute: isAbsolute(pattern),
      ignore: ["**/node_modules/**"],
    });
  } catch (error) {
    yield { error: new InputError(pattern, `bad glob pattern (${error instanceof Error ? error.message : String(error)})`) };
    return;
  }
  if (matches.length === 0) {
    yield { error: new InputError(pattern, "no files match") };
    return;
  }
  const articles = matches.filter((m) => formatFromPath(m) !== null).sort();
  if (articles.length === 0) {
    yield { error: new InputError(pattern, `no article files match (${matches.length} other files do)`) };
    return;
  }
  for (const file of articles) yield* readFileInput(file, formatFromPath(file), ctx);
}

// Files are stat'ed and read synchronously: an article is a few KB, and a thread-pool round trip
// per step cost more than the read itself (a third of a warm-cache batch's time).
async function* readFileInput(file: string, format: InputFormat | null, ctx: Context): AsyncGenerator<ReadItem> {
  let size: number;
  try {
    const info = statSync(file);
    if (!info.isFile()) throw new InputError(file, "not a regular file");
    size = info.size;
  } catch (error) {
    yield asItem(error, file);
    return;
  }
  if (size === 0) {
    yield { error: new InputError(file, "empty file") };
    return;
  }
  if (format === "jsonl") {
    try {
      yield* readJsonl(createReadStream(file), file, { ...jsonlOptions(ctx) });
    } catch (error) {
      yield asItem(error, file);
    }
    return;
  }
  if (size > ctx.maxBytes) {
    yield { error: new InputError(file, tooBigProblem(size, ctx.maxBytes)) };
    return;
  }
  let text: string;
  try {
    text = decodeText(readFileSync(file), file);
  } catch (error) {
    yield asItem(error, file);
    return;
  }
  yield* readDocument(text, file, format, ctx);
}

/**
 * One document's text: a feed (item by item), a list of URLs (each read in turn), or an article.
 * A feed is told by its root element or JSON Feed version; a URL list by every line that is not
 * blank or a `#` comment being a URL.
 */
async function* readDocument(text: string, path: string, format: InputFormat | null, ctx: Context): AsyncGenerator<ReadItem> {
  if (format !== "markdown" && sniffFeed(text) !== null) {
    yield* readFeedText(text, path, null, ctx);
    return;
  }
  if (format === "feed") {
    yield { error: new InputError(path, "not a feed (no <rss>, <feed> or JSON Feed version)") };
    return;
  }
  const urls = format === "text" || format === null ? urlList(text) : null;
  if (urls) {
    for (const url of urls) yield* readUrl(url, ctx);
    return;
  }
  try {
    yield { article: parseText(text, path, format, ctx) };
  } catch (error) {
    yield asItem(error, path);
  }
}

function jsonlOptions(ctx: Context) {
  return { sourceLang: ctx.options.sourceLang, debris: ctx.debris, maxBytes: ctx.maxBytes };
}

function parseText(text: string, path: string, format: Exclude<InputFormat, "feed"> | null, ctx: Context): Article {
  if (!text.trim()) throw new InputError(path, "empty file");
  let f = format ?? sniffFormat(text);
  if (f === "jsonl" || f === "feed") f = "text"; // a single document is never a JSONL stream
  return parseArticle(text, { path }, f, ctx.options);
}

/** Stdin: JSONL is streamed line by line; any other format is read whole (up to maxBytes) and sniffed. */
async function* readStdin(ctx: Context): AsyncGenerator<ReadItem> {
  const path = "-";
  let text: string;
  const stream = ctx.options.stdin ?? process.stdin;
  const iterator = (stream as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let total = 0;
  let first: number | undefined; // first byte that is not a BOM or whitespace
  try {
    while (first === undefined) {
      const next = await iterator.next();
      if (next.done) break;
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : Buffer.from(next.value);
      head.push(chunk);
      total += chunk.length;
      const all = Buffer.concat(head);
      let i = all[0] === 0xef && all[1] === 0xbb && all[2] === 0xbf ? 3 : 0;
      while (i < all.length && [0x20, 0x09, 0x0a, 0x0d].includes(all[i]!)) i++;
      if (i < all.length) first = all[i];
    }
    if (first === 0x7b /* "{" */) {
      const rest = async function* () {
        yield* head;
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          yield next.value;
        }
      };
      yield* readJsonl(Readable.from(rest()), path, jsonlOptions(ctx));
      return;
    }
    for (;;) {
      if (total > ctx.maxBytes) {
        await iterator.return?.();
        yield { error: new InputError(path, `input is over the ${formatSize(ctx.maxBytes)} limit (--max-bytes)`) };
        return;
      }
      const next = await iterator.next();
      if (next.done) break;
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : Buffer.from(next.value);
      head.push(chunk);
      total += chunk.length;
    }
    if (total === 0) {
      yield { error: new InputError(path, "empty file") };
      return;
    }
    text = decodeText(Buffer.concat(head), path);
  } catch (error) {
    yield asItem(error, path);
    return;
  }
  yield* readDocument(text, path, null, ctx);
}
