// JSONL feeds: one article object per line, read line by line so a huge feed streams.
import { createInterface } from "node:readline";
import type { Article } from "../core/types.ts";
import { buildArticle, type BuildOptions } from "./build.ts";
import { cleanParagraphs } from "./clean.ts";
import { creditLine } from "./credit.ts";
import { textBlocks } from "./layout.ts";
import { normaliseDate } from "./dates.ts";
import { InputError, tooBigProblem } from "./errors.ts";
import type { WireOptions } from "./wire-text.ts";

/** Body text -> paragraphs, by the layout the text itself shows (see layout.ts). */
export function splitBody(body: string): string[] {
  return textBlocks(body.split(/\r\n?|\n/), (l) => creditLine(l) !== null);
}

function optionalString(record: Record<string, unknown>, key: string, fail: (p: string) => InputError): string | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" && key === "id") return String(value);
  throw fail(`"${key}" must be a string`);
}

/** A JSONL object -> Article; throws InputError naming file and line. */
export function articleFromRecordWith(record: unknown, source: { path: string; line: number }, options: WireOptions): Article {
  const fail = (problem: string) => new InputError(source.path, problem, source.line);
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw fail(`expected a JSON object, got ${Array.isArray(record) ? "an array" : record === null ? "null" : typeof record}`);
  }
  const r = record as Record<string, unknown>;

  let paragraphs: string[] | null = null;
  if (Array.isArray(r.paragraphs)) {
    if (!r.paragraphs.every((p) => typeof p === "string")) throw fail(`"paragraphs" must be an array of strings`);
    paragraphs = (r.paragraphs as string[]).flatMap((p) => p.split(/\n[ \t]*\n+/));
  } else {
    const body = optionalString(r, "body", fail) ?? optionalString(r, "text", fail);
    if (body !== null) paragraphs = splitBody(body);
  }
  if (!paragraphs || paragraphs.every((p) => !p.trim())) throw fail(`no article text (expected "body", "text" or "paragraphs")`);

  const title = optionalString(r, "title", fail) ?? optionalString(r, "headline", fail);
  if (!title?.trim()) throw fail(`no title (expected "title")`);

  const cleaned = cleanParagraphs(paragraphs, options.debris, false);
  const credit = optionalString(r, "credit", fail)?.replace(/^\s*©\s*/, "") || cleaned.credit;
  return buildArticle(
    {
      title,
      paragraphs: cleaned.paragraphs,
      published: normaliseDate(r.published ?? r.date),
      credit,
      url: optionalString(r, "url", fail),
      lang: optionalString(r, "lang", fail),
      id: optionalString(r, "id", fail),
    },
    source,
    options as BuildOptions,
  );
}

export type JsonlItem = { article: Article } | { error: InputError };

/** Streams the lines of a JSONL input; every line yields an article or an error, and a bad line stops nothing. */
export async function* readJsonl(
  stream: NodeJS.ReadableStream,
  path: string,
  options: WireOptions & { maxBytes: number },
): AsyncGenerator<JsonlItem> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  let any = false;
  for await (const raw of lines) {
    n++;
    const line = (n === 1 ? raw.replace(/^\uFEFF/, "") : raw).trim();
    if (!line) continue;
    any = true;
    const bytes = Buffer.byteLength(line);
    if (bytes > options.maxBytes) {
      yield { error: new InputError(path, tooBigProblem(bytes, options.maxBytes, "line"), n) };
      continue;
    }
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      yield { error: new InputError(path, `invalid JSON (${message})`, n) };
      continue;
    }
    try {
      yield { article: articleFromRecordWith(record, { path, line: n }, options) };
    } catch (error) {
      if (error instanceof InputError) yield { error };
      else throw error;
    }
  }
  if (!any) yield { error: new InputError(path, "empty file") };
}
