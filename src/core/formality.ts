// The desk's register: how German copy addresses the reader, formal ("Sie") or informal ("du").
// One setting for every German target, or one per variant ("de-CH=informal,de=formal"). It goes
// into the prompts as one more style line and is checked in code (checks/register.ts); without
// a setting nothing changes (same prompts, same cache keys, no check).
import { baseLanguage } from "./language-tags.ts";
import { ConfigError } from "./errors.ts";

export type Formality = "formal" | "informal";
export const FORMALITIES: readonly Formality[] = ["formal", "informal"];

/**
 * A register for every German target ("formal"), or per target: a variant ("de-CH") or a base
 * language ("de"); an exact variant wins over its base language.
 */
export type FormalitySetting = Formality | Record<string, Formality>;

/** The languages whose register newsdesk knows how to ask for and check. */
const REGISTER_LANGUAGES = new Set(["de"]);

/**
 * Reads `formal`, `informal`, or a per-variant list `de-CH=informal,de=formal` (the syntax of
 * --formality and $NEWSDESK_FORMALITY). Throws a ConfigError naming `where` on anything else.
 */
export function parseFormality(text: string, where = "--formality"): FormalitySetting {
  const value = text.trim();
  if ((FORMALITIES as readonly string[]).includes(value.toLowerCase())) return value.toLowerCase() as Formality;
  const setting: Record<string, Formality> = {};
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    const match = /^([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\s*[=:]\s*([A-Za-z]+)$/.exec(part);
    const register = match?.[2]!.toLowerCase();
    if (!match || !(FORMALITIES as readonly string[]).includes(register!)) {
      throw new ConfigError(`${where} ${JSON.stringify(text)}: expected formal, informal or a list such as de-CH=informal,de=formal`);
    }
    const [lang, ...rest] = match[1]!.split("-");
    const code = [lang!.toLowerCase(), ...rest.map((r) => (r.length === 2 ? r.toUpperCase() : r))].join("-");
    if (!REGISTER_LANGUAGES.has(baseLanguage(code))) {
      throw new ConfigError(`${where}: ${code} has no register newsdesk can ask for (German only: de, de-CH, de-DE, de-AT)`);
    }
    setting[code] = register as Formality;
  }
  if (Object.keys(setting).length === 0) throw new ConfigError(`${where}: expected formal, informal or a list such as de-CH=informal,de=formal`);
  return setting;
}

/** A setting given through the library, checked as --formality is: throws a ConfigError when unusable. */
export function checkFormality(setting: FormalitySetting | undefined): FormalitySetting | undefined {
  if (setting === undefined) return undefined;
  if (typeof setting === "string") return parseFormality(setting, "formality");
  return parseFormality(Object.entries(setting).map(([code, register]) => `${code}=${register}`).join(","), "formality");
}

/** The register asked for one target ("de-CH", "en"...), or null: none set, or a language without one. */
export function formalityFor(setting: FormalitySetting | undefined, target: string): Formality | null {
  if (!setting || !REGISTER_LANGUAGES.has(baseLanguage(target))) return null;
  if (typeof setting === "string") return setting;
  const exact = Object.entries(setting).find(([code]) => code.toLowerCase() === target.toLowerCase());
  return exact?.[1] ?? setting[baseLanguage(target)] ?? null;
}

/** The prompt's style line for a register. */
export function registerRule(formality: Formality): string {
  return formality === "formal"
    ? 'Register: address the reader formally ("Sie", "Ihnen", "Ihr"), never with "du", "dich", "dein" or "ihr"/"euch". Quotations keep the speaker\'s own words.'
    : 'Register: address the reader informally ("du", "dich", "dein"), never with "Sie", "Ihnen" or "Ihr". Quotations keep the speaker\'s own words.';
}

/** The pronoun that names a register in messages: "Sie" or "du". */
export function registerPronoun(formality: Formality): string {
  return formality === "formal" ? "Sie" : "du";
}
