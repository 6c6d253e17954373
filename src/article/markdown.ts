// Markdown articles with optional YAML front matter (title, date, url, lang, credit).
import { createRequire } from "node:module";
// yaml (~30 ms to load) is loaded when front matter is first read, not by `--help`.
let yaml: typeof import("yaml") | undefined;
const parseYaml = (text: string): unknown => (yaml ??= createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse(text);
import type { Article } from "../core/types.ts";
import { buildArticle } from "./build.ts";
import { cleanParagraphs } from "./clean.ts";
import { normaliseDate } from "./dates.ts";
import { InputError } from "./errors.ts";
import type { WireOptions } from "./wire-text.ts";

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

/** Splits YAML front matter off; returns {} when there is none. Throws InputError on broken YAML. */
export function splitFrontMatter(text: string, file: string): { meta: Record<string, unknown>; body: string; bodyLine: number } {
  const m = FRONT_MATTER.exec(text);
  if (!m) return { meta: {}, body: text, bodyLine: 1 };
  let meta: unknown;
  try {
    meta = parseYaml(m[1]!);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InputError(file, `invalid front matter (${message})`);
  }
  if (meta !== null && meta !== undefined && (typeof meta !== "object" || Array.isArray(meta))) {
    throw new InputError(file, "invalid front matter (expected key: value pairs)");
  }
  return { meta: (meta ?? {}) as Record<string, unknown>, body: text.slice(m[0].length), bodyLine: m[0].split("\n").length };
}

/** Inline Markdown -> plain text: link and image syntax, emphasis, code, escapes. Link text is kept. */
export function stripInline(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "") // images
    .replace(/!\[([^\]]*)\]\[[^\]]*\]/g, "")
    .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, "$1") // [text](url "title")
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, "$1") // [text][ref]
    .replace(/<(https?:\/\/[^>\s]+)>/g, "$1") // autolinks
    .replace(/<\/?[a-z][a-z0-9]*(?:\s[^<>]*)?\/?>/gi, "") // inline HTML tags
    .replace(/`+([^`]+)`+/g, "$1")
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "$2")
    .replace(/(?<![\p{L}\p{N}\\])([*_])(?=\S)([\s\S]*?\S)\1(?![\p{L}\p{N}])/gu, "$2")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "$1")
    .replace(/\\([\\`*_{}[\]()#+\-.!>~|])/g, "$1");
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,3}[.)])\s+/;
const RULE = /^\s*(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$/;
const REF_DEF = /^\s{0,3}\[[^\]]+\]:\s*\S+/;

/** Markdown body -> blocks of plain text, plus the first-level heading when it leads the document. */
export function markdownBlocks(body: string): { heading: string | null; blocks: string[] } {
  const blocks: string[] = [];
  let heading: string | null = null;
  let current: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    if (current.length) blocks.push(stripInline(current.join(" ")));
    current = [];
  };
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fenceMatch = /^\s*(```|~~~)/.exec(line);
    if (fenceMatch) {
      if (fence === null) {
        flush();
        fence = fenceMatch[1]!;
      } else if (line.trim().startsWith(fence)) {
        flush();
        fence = null;
      }
      continue;
    }
    if (fence !== null) {
      if (line.trim()) current.push(line.trim());
      continue;
    }
    if (!line.trim() || RULE.test(line) || REF_DEF.test(line)) {
      flush();
      continue;
    }
    const h = HEADING.exec(line);
    // Setext heading: "Title" followed by "====" (h1) or "----" (h2).
    const next = lines[i + 1] ?? "";
    const setext = current.length === 0 && /^\s*(=+|-+)\s*$/.test(next) && next.trim().length >= 2;
    if (h || setext) {
      flush();
      const level = h ? h[1]!.length : next.trim().startsWith("=") ? 1 : 2;
      const text = stripInline(h ? h[2]! : line.trim());
      if (setext) i++;
      if (level === 1 && heading === null && blocks.length === 0) heading = text;
      else if (text) blocks.push(text);
      continue;
    }
    const stripped = line.replace(/^\s*(?:>\s?)+/, "");
    if (LIST_ITEM.test(stripped)) {
      flush(); // each list item is its own paragraph
      current.push(stripped.replace(LIST_ITEM, "").trim());
      continue;
    }
    current.push(stripped.trim());
  }
  flush();
  return { heading, blocks };
}

function text(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "number") return String(value);
  return null;
}

export function parseMarkdown(input: string, source: { path: string; line?: number }, options: WireOptions): Article {
  const { meta, body } = splitFrontMatter(input, source.path);
  const { heading, blocks } = markdownBlocks(body);
  let title = text(meta.title);
  let paragraphs = blocks;
  if (!title) {
    if (heading) title = heading;
    else {
      // No front matter title and no "# Heading": the first block is the headline, as in wire copy.
      title = blocks[0] ?? "";
      paragraphs = blocks.slice(1);
    }
  } else if (heading && heading !== title) {
    paragraphs = [heading, ...blocks];
  }
  const cleaned = cleanParagraphs(paragraphs, options.debris);
  const credit = text(meta.credit)?.replace(/^©\s*/, "") ?? cleaned.credit;
  const published = normaliseDate(meta.date ?? meta.published) ?? cleaned.published;
  return buildArticle(
    { title, paragraphs: cleaned.paragraphs, published, credit, url: text(meta.url), lang: text(meta.lang), id: meta.id },
    source,
    options,
  );
}
