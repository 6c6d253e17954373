// Navigation debris ("Zurück zu Live Feed", "Share", ...): a shipped data file plus the desk's own.
import { readFileSync } from "node:fs";
import { InputError, fsProblem } from "./errors.ts";

/** The key a line is matched by: trimmed, spaces collapsed, lowercased. */
export function debrisKey(line: string): string {
  return line.trim().replace(/\s+/g, " ").toLowerCase();
}

/** Entries of a debris list text: one per line, "#" starts a comment line, blank lines ignored. */
export function parseDebrisList(text: string): string[] {
  return text
    .split(/\r\n?|\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map(debrisKey);
}

const SHIPPED_URL = new URL("./debris.txt", import.meta.url);
let shipped: string[] | undefined;
const cache = new Map<string, Set<string>>();

/** The shipped debris list, plus the entries of `debrisFile` when given. Throws InputError when that file can't be read. */
export function loadDebris(debrisFile?: string): Set<string> {
  const key = debrisFile ?? "";
  const hit = cache.get(key);
  if (hit) return hit;
  shipped ??= parseDebrisList(readFileSync(SHIPPED_URL, "utf8"));
  const set = new Set(shipped);
  if (debrisFile) {
    let text: string;
    try {
      text = readFileSync(debrisFile, "utf8");
    } catch (error) {
      throw new InputError(debrisFile, `debris file: ${fsProblem(error)}`);
    }
    for (const entry of parseDebrisList(text)) set.add(entry);
  }
  cache.set(key, set);
  return set;
}

const longestEntry = new WeakMap<Set<string>, number>();

// Lines that are debris by their shape, whatever the site: "Lesen Sie auch: <headline>", "Read more: …",
// "Folgst du schon <site> auf WhatsApp?", "Video: watson/…".
const DEBRIS_SHAPES = [
  /^(?:lesen sie auch|lies auch|auch interessant|mehr zum thema|mehr dazu|read more|read also|also read|see also|related|watch|more on this story)\s*:\s*\S.{0,150}$/i,
  /^folgst du (?:schon|bereits) .{1,40} auf (?:whatsapp|instagram|tiktok|telegram|facebook|x)\?$/i,
  /^(?:follow|folge|folgen sie) .{1,40} (?:on|auf) (?:whatsapp|instagram|tiktok|telegram|facebook|x)[.!]?$/i,
  /^(?:melden sie sich|melde dich|sign up|subscribe) .{0,60}newsletter.{0,60}$/i,
];

export function isDebris(line: string, debris: Set<string>): boolean {
  // Most lines are paragraphs, far longer than any debris entry: skip normalising them.
  let longest = longestEntry.get(debris);
  if (longest === undefined) longestEntry.set(debris, (longest = Math.max(0, ...[...debris].map((e) => e.length))));
  const t = line.trim();
  if (t.length <= 200 && DEBRIS_SHAPES.some((re) => re.test(t))) return true;
  if (line.length > 2 * longest + 16) return false;
  return debris.has(debrisKey(line));
}
