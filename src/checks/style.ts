// House style: the deterministic fixes (applyHouseStyle) and what is left to report.
import { readFileSync } from "node:fs";
import { baseLanguage as base } from "../core/language-tags.ts";

type QuoteStyle = "ch" | "de" | null;

function quoteStyle(target: string): QuoteStyle {
  const t = target.toLowerCase();
  if (t === "de-ch" || t === "de-li") return "ch";
  if (base(t) === "de" && t !== "de") return "de"; // de-DE, de-AT, de-LU, ...
  return null;
}

const DOUBLE = new Set(['"', "“", "”", "„", "«", "»", "‟"]);
const SINGLE = new Set(["'", "‘", "’", "‚", "‹", "›"]);
const isSpace = (c: string | undefined) => c === undefined || /\s/u.test(c);
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
const OPENERS_BEFORE = /[\s(\[{\-–—\/]/u;

function leftFlanking(text: string, i: number): boolean {
  const prev = text[i - 1];
  const next = text[i + 1];
  if (isSpace(next)) return false;
  return prev === undefined || OPENERS_BEFORE.test(prev) || DOUBLE.has(prev) || SINGLE.has(prev);
}

function rightFlanking(text: string, i: number): boolean {
  const prev = text[i - 1];
  const next = text[i + 1];
  if (isSpace(prev)) return false;
  return next === undefined || isSpace(next) || /[\p{P}]/u.test(next);
}

/**
 * Rewrites quotation marks: every double mark it can classify becomes the target's opening or
 * closing mark; single marks only when they clearly pair up inside a quotation (or are the German
 * low single mark ‚). Apostrophes ("Putin's", "geht's") are never touched.
 */
function fixQuotes(text: string, style: "ch" | "de"): string {
  const [open2, close2, open1, close1] = style === "ch" ? ["«", "»", "‹", "›"] : ["„", "“", "‚", "‘"];
  const chars = [...text];
  const joined = chars.join("");
  // Positions are by code unit in `text`; quote marks are all single code units.
  const out = text.split("");
  let inDouble = false;
  const marks: { i: number; kind: "o2" | "c2" }[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (!DOUBLE.has(c)) continue;
    const left = leftFlanking(joined, i);
    const right = rightFlanking(joined, i);
    let kind: "o2" | "c2" | null;
    if (c === "„") kind = "o2";
    else if (left && !right) kind = "o2";
    else if (right && !left) kind = "c2";
    else if (left && right) kind = inDouble ? "c2" : "o2";
    else if (isWordChar(joined[i - 1]) || isWordChar(joined[i + 1])) kind = inDouble ? "c2" : "o2";
    else kind = null;
    if (!kind) continue;
    marks.push({ i, kind });
    inDouble = kind === "o2";
  }
  for (const { i, kind } of marks) out[i] = kind === "o2" ? open2 : close2;

  // Single marks: inside a double quotation, an opening ' ‘ ‚ ‹ › (after a space or the opening mark,
  // before a letter) that has a closing mark before the quotation ends.
  const spans: [number, number][] = [];
  for (let k = 0; k < marks.length; k++) {
    if (marks[k]!.kind === "o2") {
      const close = marks.slice(k + 1).find((m) => m.kind === "c2");
      spans.push([marks[k]!.i, close ? close.i : joined.length]);
    }
  }
  const singleOpen = (i: number) => {
    const c = joined[i]!;
    if (c === "‚") return true;
    if (!SINGLE.has(c) || c === "’" && !isSpace(joined[i - 1]) && !DOUBLE.has(joined[i - 1] ?? "")) return false;
    return leftFlanking(joined, i) && !isWordChar(joined[i - 1]);
  };
  const singleClose = (i: number) => {
    const c = joined[i]!;
    if (!SINGLE.has(c) || c === "‚") return false;
    return rightFlanking(joined, i) && !isWordChar(joined[i + 1]);
  };
  const handled = new Set<number>();
  const pairSingles = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (handled.has(i) || !singleOpen(i)) continue;
      for (let j = i + 2; j < to; j++) {
        if (singleClose(j) && !handled.has(j)) {
          out[i] = open1;
          out[j] = close1;
          handled.add(i).add(j);
          i = j;
          break;
        }
      }
    }
  };
  for (const [from, to] of spans) pairSingles(from + 1, to);
  // Outside quotations only the unmistakable German/Swiss single marks: ‚…‘ and ‹…›, ›…‹.
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i]!;
    if (handled.has(i) || !(c === "‚" || c === "‹" || c === "›") || !leftFlanking(joined, i)) continue;
    for (let j = i + 2; j < joined.length; j++) {
      const d = joined[j]!;
      if ((d === "‘" || d === "‹" || d === "›" || d === "’") && rightFlanking(joined, j) && !isWordChar(joined[j + 1])) {
        out[i] = open1;
        out[j] = close1;
        handled.add(i).add(j);
        break;
      }
      if (DOUBLE.has(d)) break;
    }
  }
  return out.join("");
}

/** Swiss franc amounts with a decimal point: "CHF 5,25" -> "CHF 5.25", "Fr. 4,–" -> "Fr. 4.–", "1.250,50 Franken" -> "1'250.50 Franken". */
function fixFrancs(text: string): string {
  const amount = "(\\d{1,3}(?:[.'’\\u00a0\\u202f ]\\d{3})+|\\d+),(\\d{2}|[–—-]{1,2})(?![\\d,])";
  const fix = (int: string, dec: string) => `${int.replace(/\./g, "'")}.${dec}`;
  return text
    .replace(new RegExp(`\\b(CHF|SFr\\.|Fr\\.)(\\s|\\u00a0)${amount}`, "gu"), (_s, cur: string, sp: string, int: string, dec: string) => `${cur}${sp}${fix(int, dec)}`)
    .replace(new RegExp(`(?<![\\d.,'])${amount}(\\s|\\u00a0)(CHF|Franken|Fr\\.)`, "gu"), (_s, int: string, dec: string, sp: string, cur: string) => `${fix(int, dec)}${sp}${cur}`);
}

/**
 * Deterministic house-style fixes, applied in code: de-CH (and de-LI) ß->ss, ẞ->SS, quotation
 * marks «…» (nested ‹…›), franc amounts with a decimal point; de-DE/de-AT quotation marks „…“
 * (nested ‚…‘). Plain "de"/"en" and other targets are returned unchanged.
 */
export function applyHouseStyle(text: string, target: string): string {
  const style = quoteStyle(target);
  if (!style) return text;
  let t = text;
  if (style === "ch") t = t.replace(/ß/g, "ss").replace(/ẞ/g, "SS");
  t = fixQuotes(t, style);
  if (style === "ch") t = fixFrancs(t);
  return t;
}

// ---- what applyHouseStyle cannot fix -------------------------------------------------------------

let spelling: { us: Map<string, string>; uk: Map<string, string> } | null = null;

function inflections(word: string): string[] {
  const forms = [word];
  if (/e$/.test(word)) forms.push(word + "s", word + "d", word.slice(0, -1) + "ing");
  else forms.push(word + "s", word + "ed", word + "ing");
  if (/[iy][zs]e$/.test(word)) forms.push(word.slice(0, -1) + "ation", word.slice(0, -1) + "ations");
  if (/o(u)?r$/.test(word)) forms.push(word + "able");
  return forms;
}

/** US form -> UK form and back, with inflections, from spelling.json. */
function spellingTable() {
  if (!spelling) {
    const raw = JSON.parse(readFileSync(new URL("./spelling.json", import.meta.url), "utf8")) as { pairs: [string, string][] };
    const us = new Map<string, string>();
    const uk = new Map<string, string>();
    for (const [a, b] of raw.pairs) {
      const fa = inflections(a);
      const fb = inflections(b);
      fa.forEach((f, k) => {
        if (fb[k] && f !== fb[k]) {
          us.set(f, fb[k]!);
          uk.set(fb[k]!, f);
        }
      });
    }
    // A form spelled the same in both varieties is never wrong.
    for (const k of [...us.keys()]) if (uk.has(k)) (us.delete(k), uk.delete(k));
    spelling = { us, uk };
  }
  return spelling;
}

/** Wrong-variety spellings in English text: [found, wanted] pairs, in order of first use. */
export function spellingProblems(text: string, target: string): [string, string][] {
  const t = target.toLowerCase();
  if (t !== "en-gb" && t !== "en-us") return [];
  const table = spellingTable();
  const wrong = t === "en-gb" ? table.us : table.uk;
  const found = new Map<string, string>();
  for (const m of text.matchAll(/\p{Ll}+/gu)) {
    // Lower-case words only: "World Trade Center" is a name, not a spelling.
    if (/\p{L}/u.test(text[m.index! - 1] ?? "")) continue;
    const want = wrong.get(m[0]);
    if (want && !found.has(m[0])) found.set(m[0], want);
  }
  return [...found];
}

/** Quotation marks and letters left in a text that the target's style does not use (after applyHouseStyle). */
export function leftoverStyle(text: string, target: string): string[] {
  const style = quoteStyle(target);
  const problems: string[] = [];
  if (style === "ch") {
    if (/[ßẞ]/.test(text)) problems.push(`"ß" in Swiss text (write "ss")`);
    const bad = [...new Set(text.match(/["“”„‟»]/g) ?? [])].filter((c) => c !== "»" || !text.includes("«"));
    if (bad.length) problems.push(`quotation marks ${bad.map((c) => `‹${c}›`).join(" ")} could not be turned into «…»`);
  } else if (style === "de") {
    const bad = [...new Set(text.match(/["”«»‟]/g) ?? [])];
    if (bad.length) problems.push(`quotation marks ${bad.map((c) => `‹${c}›`).join(" ")} could not be turned into „…“`);
  }
  return problems;
}
