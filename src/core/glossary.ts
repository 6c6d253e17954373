// The desk's glossary: source term -> the term the desk uses in a target language.
// Files are CSV (header source,target_lang,target_term) or JSON (array of {source, lang, term}).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { baseLanguage, languageTag } from "./language-tags.ts";
import { containsTerm } from "./text.ts";
import { GlossaryError } from "./errors.ts";

export interface GlossaryEntry {
  /** The term as it appears in the source text. */
  source: string;
  /** Target language: a base code ("de") or a variant ("de-CH"). */
  target: string;
  /** The desk's term in the target language. */
  term: string;
}

const LANG_CODE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/;


export { GlossaryError } from "./errors.ts";

/** `line` 0: the file as a whole. */
function fail(file: string, line: number, problem: string): never {
  throw new GlossaryError(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
}

function entry(file: string, line: number, source: unknown, lang: unknown, term: unknown): GlossaryEntry {
  if (typeof source !== "string" || source.trim() === "") fail(file, line, "empty source term");
  if (typeof lang !== "string" || lang.trim() === "") fail(file, line, "empty target language");
  if (!LANG_CODE.test(lang.trim())) fail(file, line, `bad language code ${JSON.stringify(lang)}`);
  if (typeof term !== "string" || term.trim() === "") fail(file, line, "empty target term");
  return { source: source.trim(), target: languageTag(lang), term: term.trim() };
}

/** Records of a CSV text with the line each record starts on. Quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(file: string, text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let atFieldStart = true;
    let endOfRecord = false;
    while (i < n && !endOfRecord) {
      const c = text[i]!;
      if (atFieldStart && c === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const q = text[i]!;
          if (q === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (q === "\n") line++;
          field += q;
          i++;
        }
        if (!closed) fail(file, startLine, "unterminated quoted field");
        // After a closing quote only spaces, a comma or the end of the line may follow.
        while (i < n && (text[i] === " " || text[i] === "\t")) i++;
        if (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          fail(file, line, "text after a closing quote (use \"\" for a quote inside a quoted field)");
        }
        atFieldStart = false;
        continue;
      }
      if (c === ",") {
        fields.push(field);
        field = "";
        atFieldStart = true;
        i++;
      } else if (c === "\r" || c === "\n") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        i++;
        line++;
        endOfRecord = true;
      } else {
        if (c === '"') fail(file, line, "stray quote in an unquoted field");
        field += c;
        atFieldStart = false;
        i++;
      }
    }
    fields.push(field);
    const blank = fields.length === 1 && fields[0]!.trim() === "";
    const comment = fields[0]!.trimStart().startsWith("#");
    if (!blank && !comment) records.push({ line: startLine, fields });
  }
  return records;
}

const HEADER: Record<string, "source" | "lang" | "term"> = {
  source: "source", source_term: "source", term_source: "source",
  target_lang: "lang", lang: "lang", target: "lang", language: "lang",
  target_term: "term", term: "term",
};

function loadCsv(file: string, text: string): GlossaryEntry[] {
  const records = parseCsv(file, text);
  if (records.length === 0) return [];
  const head = records[0]!;
  const columns = head.fields.map((f) => HEADER[f.trim().toLowerCase()]);
  const at = (kind: "source" | "lang" | "term") => columns.indexOf(kind);
  if (at("source") < 0 || at("lang") < 0 || at("term") < 0 || columns.length !== 3) {
    fail(file, head.line, `header must be source,target_lang,target_term (got ${head.fields.join(",")})`);
  }
  return records.slice(1).map(({ line, fields }) => {
    if (fields.length !== 3) fail(file, line, `expected 3 fields (source,target_lang,target_term), got ${fields.length}`);
    return entry(file, line, fields[at("source")], fields[at("lang")], fields[at("term")]);
  });
}

/** Line numbers (1-based) where each top-level array element of a JSON text starts. */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (depth === 1 && expectValue && c !== "]") {
      lines.push(line);
      expectValue = false;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === "]" || c === "}") depth--;
    else if (c === "," && depth === 1) expectValue = true;
  }
  return lines;
}

function loadJson(file: string, text: string): GlossaryEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const pos = /position (\d+)/.exec(message);
    const explicit = /line (\d+)/.exec(message);
    const line = explicit ? Number(explicit[1]) : pos ? text.slice(0, Number(pos[1])).split("\n").length : 1;
    fail(file, line, `invalid JSON (${message.split("\n")[0]})`);
  }
  if (!Array.isArray(data)) fail(file, 1, "expected a JSON array of {source, lang, term} objects");
  const lines = elementLines(text);
  return data.map((item, index) => {
    const line = lines[index] ?? 1;
    if (item === null || typeof item !== "object" || Array.isArray(item)) fail(file, line, "expected an object {source, lang, term}");
    const o = item as Record<string, unknown>;
    return entry(file, line, o.source, o.lang ?? o.target_lang ?? o.target, o.term ?? o.target_term);
  });
}

/** Reads a glossary file (CSV or JSON). Throws an Error whose message is one line `FILE:LINE: problem`. */
export function loadGlossary(file: string): GlossaryEntry[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(file, 0, code === "ENOENT" ? "no such file" : `cannot read (${code ?? String(error)})`);
  }
  text = text.replace(/^\uFEFF/, "");
  const json = /\.json$/i.test(file) || (!/\.csv$/i.test(file) && /^\s*\[/.test(text));
  return json ? loadJson(file, text) : loadCsv(file, text);
}

/** The glossary shipped with newsdesk: glossary/default.csv in the package. */
export function defaultGlossaryPath(): string {
  return fileURLToPath(new URL("../../glossary/default.csv", import.meta.url));
}

/**
 * The entries that matter for one text and one target: the source term occurs in the text (whole
 * word; case-sensitive when the term has a capital letter) and the entry's language is the target's
 * base language or the exact variant. An exact-variant entry wins over a base-language one for the
 * same source term.
 */
export function glossaryFor(entries: GlossaryEntry[], sourceText: string, target: string): GlossaryEntry[] {
  return entriesFor(entries, target).filter((e) => containsTerm(sourceText, e.source));
}

const forTarget = new WeakMap<GlossaryEntry[], Map<string, GlossaryEntry[]>>();

/** The entries that apply to a target (its own, else its base language's), one per source term: made once per glossary and target. */
function entriesFor(entries: GlossaryEntry[], target: string): GlossaryEntry[] {
  let byTarget = forTarget.get(entries);
  if (!byTarget) forTarget.set(entries, (byTarget = new Map()));
  let chosen = byTarget.get(target);
  if (chosen) return chosen;
  const wanted = languageTag(target).toLowerCase();
  const wantedBase = baseLanguage(target);
  const picked = new Map<string, GlossaryEntry>();
  for (const e of entries) {
    const lang = languageTag(e.target).toLowerCase();
    const exact = lang === wanted;
    if (!exact && lang !== wantedBase) continue;
    const previous = picked.get(e.source);
    if (previous && !(exact && languageTag(previous.target).toLowerCase() !== wanted)) continue;
    picked.set(e.source, e);
  }
  byTarget.set(target, (chosen = [...picked.values()]));
  return chosen;
}

/** Lines for a prompt, `- "Vladimir Putin" -> "Wladimir Putin"`; "" when there are none. */
export function glossaryPromptText(entries: GlossaryEntry[]): string {
  return entries.map((e) => `- ${JSON.stringify(e.source)} -> ${JSON.stringify(e.term)}`).join("\n");
}
