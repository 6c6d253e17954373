// The results folder as the review desk sees it. Every path is built here, from an id that
// matched [a-z0-9-]+, and checked to resolve inside the folder: a request can never name a file
// outside it (no raw input is ever joined to a path).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../render/files.ts";
import { articleMarkdown } from "../render/markdown.ts";
import type { ReviewedResult } from "./review.ts";

export const ID = /^[a-z0-9][a-z0-9-]{0,199}$/;
const RESULT_FILE = /^([a-z0-9][a-z0-9-]{0,199})\.json$/;
const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** The documented result shape, loosely: enough to show and edit it safely; unknown fields are kept. */
const LanguageShape = z
  .object({
    title: z.string().optional(),
    paragraphs: z.array(z.string()).optional(),
    summary: z.string().optional(),
    keyPoints: z.array(z.string()).optional(),
    snippet: z.object({ headline: z.string(), teaser: z.string() }).loose().optional(),
    channels: z
      .object({ push: z.string().optional(), social: z.string().optional(), seoTitle: z.string().optional(), seoDescription: z.string().optional() })
      .loose()
      .optional(),
    headlines: z.array(z.object({ text: z.string() }).loose()).optional(),
  })
  .loose();
const ResultShape = z
  .object({
    id: z.string().regex(ID),
    source: z
      .object({
        path: z.string().optional(),
        lang: z.string(),
        title: z.string(),
        published: z.string().nullable().optional(),
        credit: z.string().nullable().optional(),
        url: z.string().nullable().optional(),
      })
      .loose(),
    languages: z.record(z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$/), LanguageShape),
    usage: z.record(z.string(), z.number()).optional(),
    warnings: z.array(z.string()).default([]),
  })
  .loose();

export class StoreError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Loaded {
  result: ReviewedResult;
  /** sha256 of the file's bytes: a save names the version it edited. */
  etag: string;
}

export class ResultStore {
  readonly dir: string;
  /** Saves of one article run one after another (read, change, write). */
  private locks = new Map<string, Promise<unknown>>();

  constructor(dir: string) {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      throw new StoreError(404, `results folder not found: ${dir}`);
    }
    if (!statSync(real).isDirectory()) throw new StoreError(400, `not a folder: ${dir}`);
    this.dir = real;
  }

  /** The file of an id, only ever for a valid id, and only when it resolves inside the folder. */
  private fileOf(id: string): string {
    if (!ID.test(id)) throw new StoreError(400, "invalid article id");
    const file = path.join(this.dir, `${id}.json`);
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      throw new StoreError(404, "no such article");
    }
    if (path.dirname(real) !== this.dir) throw new StoreError(404, "no such article");
    return real;
  }

  ids(): string[] {
    return readdirSync(this.dir)
      .map((name) => RESULT_FILE.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .sort();
  }

  read(id: string): Loaded {
    const file = this.fileOf(id);
    const stat = statSync(file);
    if (!stat.isFile()) throw new StoreError(404, "no such article");
    if (stat.size > MAX_FILE_BYTES) throw new StoreError(422, "result file too large");
    const bytes = readFileSync(file);
    let data: unknown;
    try {
      data = JSON.parse(bytes.toString("utf8"));
    } catch {
      throw new StoreError(422, "result file is not valid JSON");
    }
    const parsed = ResultShape.safeParse(data);
    if (!parsed.success) throw new StoreError(422, "result file does not have the result shape");
    if (parsed.data.id !== id) throw new StoreError(422, "result file's id does not match its name");
    return { result: parsed.data as unknown as ReviewedResult, etag: createHash("sha256").update(bytes).digest("hex") };
  }

  /** Every readable result; files that cannot be read are reported, not fatal. */
  list(): { results: Loaded[]; problems: { id: string; reason: string }[] } {
    const results: Loaded[] = [];
    const problems: { id: string; reason: string }[] = [];
    for (const id of this.ids()) {
      try {
        results.push(this.read(id));
      } catch (error) {
        problems.push({ id, reason: (error as Error).message });
      }
    }
    return { results, problems };
  }

  /**
   * Read, change, write: `change` gets the current file and returns the new result. The JSON is
   * written atomically (temp file + rename), the Markdown files of its languages first.
   */
  async update(id: string, etag: string, change: (current: ReviewedResult) => ReviewedResult): Promise<Loaded> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => {
      const current = this.read(id);
      if (current.etag !== etag) throw new StoreError(409, "the article changed since it was loaded; reload it");
      const next = change(current.result);
      for (const lang of Object.keys(next.languages)) {
        const markdown = articleMarkdown(next, lang);
        if (markdown) writeFileAtomic(path.join(this.dir, `${id}.${lang}.md`), markdown);
      }
      writeFileAtomic(this.fileOf(id), JSON.stringify(next, null, 2) + "\n");
      return this.read(id);
    });
    this.locks.set(id, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === run) this.locks.delete(id);
    }
  }
}
