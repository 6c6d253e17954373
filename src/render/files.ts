import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ArticleResult } from "../core/types.ts";
import { articleMarkdown } from "./markdown.ts";

/** Writes a file so that it is either whole or absent: a temp file, then a rename. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, file);
  } catch (error) {
    // A full disk or a folder in the way: no half-written temp file may stay behind.
    rmSync(temp, { force: true });
    throw error;
  }
}

const TEMP_FILE = /\.(\d+)\.[a-z0-9]+\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Temp files left in `dir` by a writer that was killed (its process is gone). Returns how many were removed. */
export function removeStaleTempFiles(dir: string): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const match = TEMP_FILE.exec(name);
    if (match && !processAlive(Number(match[1]))) {
      rmSync(path.join(dir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/** A name safe inside the output folder; ids are made safe at parse time, this is the second lock. */
export function safeFileStem(id: string): string {
  const stem = id.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^\.+/, "");
  if (!stem) throw new Error(`unusable article id ${JSON.stringify(id)}`);
  return stem;
}

/** `DIR/<id>.json` plus `DIR/<id>.<lang>.md` for each language with text. Returns the paths. */
export function writeResultFiles(dir: string, result: ArticleResult): string[] {
  const stem = safeFileStem(result.id);
  result = keepReviewed(path.join(dir, `${stem}.json`), mergeKnown(path.join(dir, `${stem}.json`), result));
  const written: string[] = [];
  for (const lang of Object.keys(result.languages)) {
    const markdown = articleMarkdown(result, lang);
    if (!markdown) continue;
    const file = path.join(dir, `${stem}.${safeFileStem(lang)}.md`);
    writeFileAtomic(file, markdown);
    written.push(file);
  }
  // The JSON last: its presence says the article is complete.
  const json = path.join(dir, `${stem}.json`);
  writeFileAtomic(json, JSON.stringify(result, null, 2) + "\n");
  written.push(json);
  return written;
}

// --- Reviewed results (the review desk, src/serve/) ------------------------------------------
// A result file an editor has worked on carries a `review` record. A re-run must never overwrite
// what the editor approved: the file keeps its reviewed texts and review record, and the new
// model answer is stored beside them as `review.modelAnswer` (see docs/review.md).

/** The result to write over `file`: `result` itself, unless the file there has a review. */
/**
 * A result file holds everything known about its article: `summarize` after `run` adds the digest
 * and keeps the translations; `run` after `summarize` adds the translations. New fields win.
 */
function mergeKnown(file: string, result: ArticleResult): ArticleResult {
  let existing: unknown;
  try {
    existing = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return result;
  }
  if (!isRecord(existing) || existing.id !== result.id || !isRecord(existing.languages) || isRecord(existing.review)) return result;
  const languages: ArticleResult["languages"] = {};
  for (const [lang, version] of Object.entries(existing.languages)) if (isRecord(version)) languages[lang] = { ...version };
  for (const [lang, version] of Object.entries(result.languages)) languages[lang] = { ...languages[lang], ...version };
  const warnings = [...new Set([...(Array.isArray(existing.warnings) ? (existing.warnings as string[]) : []), ...result.warnings])];
  return { ...result, languages, warnings };
}

function keepReviewed(file: string, result: ArticleResult): ArticleResult {
  let existing: unknown;
  try {
    existing = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return result; // no file yet, or not one of ours: write the new result
  }
  if (!isRecord(existing) || !isRecord(existing.review) || existing.id !== result.id) return result;
  // Everything the new run produced (languages, warnings, usage and whatever a result carries), dated.
  const { id: _id, ...answer } = result;
  const modelAnswer = { at: new Date().toISOString(), ...answer };
  return { ...(existing as unknown as ArticleResult), review: { ...existing.review, modelAnswer } } as ArticleResult;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
