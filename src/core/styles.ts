// What the prompts say about a target language's regional variant. The deterministic part
// (ß -> ss, quote marks) is also applied in code afterwards: see checks/applyHouseStyle.
import { baseLanguage } from "./language-tags.ts";

const RULES: Record<string, string[]> = {
  // Quotation marks, ß -> ss and franc amounts are set in code (checks/style.ts applyHouseStyle), so
  // the prompts leave them out: every token here is billed in every call.
  "de-CH": ['Swiss Standard German (de-CH): "ss", never "ß" (Strasse, heisst).'],
  "de-DE": ["German as written in Germany (de-DE)."],
  "de-AT": ["Austrian German (de-AT)."],
  "en-GB": ["British English spelling (organise, centre, defence, colour)."],
  "en-US": ["American English spelling (organize, center, defense, color)."],
};

/** The style lines for one target ("de-CH", "en", ...), most specific first; [] when none. */
export function styleRules(target: string): string[] {
  return RULES[target] ?? (target.includes("-") ? [] : RULES[baseLanguage(target)] ?? []);
}

/** Resolves the requested languages against --variant: ("de", ["de-CH"]) -> "de-CH". */
export function targetFor(lang: string, variants: string[] = []): string {
  if (lang.includes("-")) return lang;
  return variants.find((v) => baseLanguage(v) === lang.toLowerCase()) ?? lang;
}

/** The regional variants newsdesk writes (and checks): what --variant accepts. */
export const KNOWN_VARIANTS = Object.keys(RULES).filter((code) => code.includes("-"));
