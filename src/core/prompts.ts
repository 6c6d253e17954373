// Prompt files: YAML front matter (name, version, model settings, declared variables) and a
// body of messages, each opened by a line "[system]", "[user]" or "[assistant]".
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { createRequire } from "node:module";
// yaml (~30 ms to load) is loaded when front matter is first read, not by `--help`.
let yaml: typeof import("yaml") | undefined;
const parseYaml = (text: string): unknown => (yaml ??= createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse(text);
import { renderTemplate, templateVariables, TemplateError } from "./template.ts";

export type Role = "system" | "user" | "assistant";
export interface Message { role: Role; content: string }

export interface PromptSettings { temperature?: number; max_tokens?: number }

export interface Prompt {
  name: string;
  file: string;
  settings: PromptSettings;
  variables: string[];
  messages: Message[];
  /** sha256 of the file's bytes: editing the file changes the cache keys of exactly its tasks. */
  hash: string;
}

export const DEFAULT_PROMPTS_DIR = fileURLToPath(new URL("../../prompts/", import.meta.url));

const ROLE_LINE = /^\[(system|user|assistant)\]\s*$/;

export function parsePrompt(text: string, file: string): Prompt {
  const hash = createHash("sha256").update(text).digest("hex");
  const match = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(text.replace(/\r\n?/g, "\n"));
  if (!match) throw new TemplateError(`${file}: no front matter (the file must start with a --- block)`);
  let meta: Record<string, unknown>;
  try {
    meta = (parseYaml(match[1]!) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new TemplateError(`${file}: front matter is not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
  const variables = Array.isArray(meta.variables) ? meta.variables.map(String) : [];
  const messages: Message[] = [];
  for (const lineText of match[2]!.split("\n")) {
    const role = ROLE_LINE.exec(lineText);
    if (role) messages.push({ role: role[1] as Role, content: "" });
    else if (messages.length > 0) messages[messages.length - 1]!.content += lineText + "\n";
    else if (lineText.trim() !== "") throw new TemplateError(`${file}: text before the first [system]/[user] line`);
  }
  if (messages.length === 0) throw new TemplateError(`${file}: no messages (add a line "[user]" before the text)`);
  for (const message of messages) {
    message.content = message.content.replace(/\n+$/, "");
    for (const name of templateVariables(message.content)) {
      if (!variables.includes(name)) {
        throw new TemplateError(`${file}: unknown variable {{${name}}} (declared: ${variables.join(", ") || "none"})`);
      }
    }
  }
  const settings: PromptSettings = {};
  if (typeof meta.temperature === "number") settings.temperature = meta.temperature;
  if (typeof meta.max_tokens === "number") settings.max_tokens = meta.max_tokens;
  return { name: String(meta.name ?? path.basename(file, ".md")), file, settings, variables, messages, hash };
}

export function loadPrompt(name: string, dir = DEFAULT_PROMPTS_DIR): Prompt {
  const file = path.join(dir, `${name}.md`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new TemplateError(`${file}: prompt file not found`);
  }
  return parsePrompt(text, file);
}

/** Renders every message; each declared variable must be given. */
export function renderPrompt(prompt: Prompt, vars: Record<string, string>): Message[] {
  for (const name of prompt.variables) {
    if (vars[name] === undefined) throw new TemplateError(`${prompt.file}: missing variable {{${name}}}`);
  }
  // Variables left empty (no style rules, no terms) leave no blank lines at the end: each is a billed token.
  return prompt.messages.map((m) => ({ role: m.role, content: renderTemplate(m.content, vars, prompt.file).replace(/\s+$/, "") }));
}

export interface PromptSet { house: Prompt; translate: Prompt; digest: Prompt }

export function loadPromptSet(dir = DEFAULT_PROMPTS_DIR): PromptSet {
  return { house: loadPrompt("house", dir), translate: loadPrompt("translate", dir), digest: loadPrompt("digest", dir) };
}
