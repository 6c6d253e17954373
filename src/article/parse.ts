// One document's text -> Article, by format; and how a format is told from a name or content.
import { extname } from "node:path";
import type { Article } from "../core/types.ts";
import { loadDebris } from "./debris.ts";
import { InputError } from "./errors.ts";
import { articleFromRecordWith } from "./jsonl.ts";
import { parseHtml } from "./html.ts";
import { parseMarkdown } from "./markdown.ts";
import { parseWireText } from "./wire-text.ts";
import type { ReadOptions } from "./options.ts";

export type DocumentFormat = "text" | "markdown" | "html";
/** "feed": RSS, Atom or JSON Feed (by extension .rss/.atom; other names are sniffed by content). */
export type InputFormat = DocumentFormat | "jsonl" | "feed";

const EXTENSIONS: Record<string, InputFormat> = {
  ".txt": "text",
  ".text": "text",
  "": "text",
  ".md": "markdown",
  ".markdown": "markdown",
  ".html": "html",
  ".htm": "html",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".rss": "feed",
  ".atom": "feed",
};

/** The format a path's extension stands for, or null when it is not an article file. */
export function formatFromPath(path: string): InputFormat | null {
  const name = path.split(/[\\/]/).pop() ?? path;
  const ext = name.startsWith(".") && !name.slice(1).includes(".") ? "" : extname(name).toLowerCase();
  return EXTENSIONS[ext] ?? null;
}

/** The format of content with no name (stdin). */
export function sniffFormat(text: string): InputFormat {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (start.startsWith("{")) return "jsonl";
  if (start.startsWith("<")) return "html";
  if (/^---[ \t]*\n/.test(start)) return "markdown";
  return "text";
}

function withDebris(options: ReadOptions) {
  return { sourceLang: options.sourceLang, debris: loadDebris(options.debrisFile) };
}

/** Parses one document's decoded text. Throws InputError. */
export function parseArticle(
  text: string,
  source: { path: string; line?: number },
  format: DocumentFormat,
  options: ReadOptions = {},
): Article {
  if (!text.trim()) throw new InputError(source.path, "empty file", source.line);
  const normalised = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const opts = withDebris(options);
  switch (format) {
    case "markdown":
      return parseMarkdown(normalised, source, opts);
    case "html":
      return parseHtml(normalised, source, opts);
    case "text":
      return parseWireText(normalised, source, opts);
    default:
      throw new Error(`unknown format ${String(format)}`);
  }
}

/** A JSONL object -> Article; throws InputError naming file and line. */
export function articleFromRecord(record: unknown, source: { path: string; line: number }, options: ReadOptions = {}): Article {
  return articleFromRecordWith(record, source, withDebris(options));
}
