// Configuration from the environment and .env: which server, which key, which model.
import { parse as parseDotenv } from "dotenv";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "./errors.ts";
import { registerSecret } from "./secrets.ts";

export const DEFAULT_MODEL = "gpt-4o-mini";

export interface ModelConfig {
  apiKey?: string;
  baseURL?: string;
  model: string;
  /** Which provider file talks to the server: "openai" (and compatible servers) or "azure". */
  provider: "openai" | "azure";
  /** Azure's api-version. */
  apiVersion?: string;
}

export const PROVIDER_KINDS = ["openai", "azure"] as const;

/** The user's own settings file: $XDG_CONFIG_HOME/newsdesk/.env (default ~/.config/newsdesk/.env). */
export function userEnvPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config"), "newsdesk", ".env");
}

/**
 * Reads ./.env, then the user's config .env, into `env`; neither overrides a variable that is
 * already set, so the environment wins, then the project folder, then the user's file. Returns the
 * files that were read.
 */
export function loadEnvFile(file = ".env", env: NodeJS.ProcessEnv = process.env): string[] {
  const read: string[] = [];
  for (const candidate of [file, userEnvPath(env)]) {
    if (existsSync(candidate)) {
      for (const [name, value] of Object.entries(parseDotenv(readFileSync(candidate)))) env[name] ??= value;
      read.push(candidate);
    }
  }
  return read;
}

/** Throws a ConfigError (exit 2) when neither a key nor a server is configured. */
export function modelConfig(env: NodeJS.ProcessEnv = process.env, modelFlag?: string, providerFlag?: string): ModelConfig {
  const provider = (providerFlag || env.NEWSDESK_PROVIDER?.trim() || "openai").toLowerCase();
  if (!(PROVIDER_KINDS as readonly string[]).includes(provider)) {
    throw new ConfigError(`provider "${provider}" is not one newsdesk knows (${PROVIDER_KINDS.join(", ")}): check --provider / NEWSDESK_PROVIDER`);
  }
  // Scrubbed in the form it was given (a trailing space, quotes kept by a shell) and trimmed, as sent.
  registerSecret(env.OPENAI_API_KEY);
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  if (baseURL !== undefined) checkBaseURL(baseURL);
  if (!apiKey && !baseURL) {
    throw new ConfigError(
      "no model configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server) in the environment or in .env (see .env.example)",
    );
  }
  if (provider === "azure" && !baseURL) throw new ConfigError("the azure provider needs OPENAI_BASE_URL: the resource's endpoint, e.g. https://NAME.openai.azure.com");
  return {
    apiKey,
    baseURL,
    model: modelFlag || env.NEWSDESK_MODEL?.trim() || DEFAULT_MODEL,
    provider: provider as ModelConfig["provider"],
    apiVersion: env.AZURE_OPENAI_API_VERSION?.trim() || undefined,
  };
}

function checkBaseURL(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`OPENAI_BASE_URL=${JSON.stringify(value)} is not a URL (expected e.g. http://127.0.0.1:11434/v1)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`OPENAI_BASE_URL=${JSON.stringify(value)} is not an http(s) URL (expected e.g. http://127.0.0.1:11434/v1)`);
  }
}
