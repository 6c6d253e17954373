// Configuration from the environment and .env: which server, which key, which model.
import { config as loadDotenv } from "dotenv";
import { ConfigError } from "./errors.ts";
import { registerSecret } from "./secrets.ts";

export const DEFAULT_MODEL = "gpt-4o-mini";

export interface ModelConfig {
  apiKey?: string;
  baseURL?: string;
  model: string;
}

/** Reads .env (without overriding variables already set) into process.env. */
export function loadEnvFile(file = ".env"): void {
  loadDotenv({ path: file, quiet: true });
}

/** Throws a ConfigError (exit 2) when neither a key nor a server is configured. */
export function modelConfig(env: NodeJS.ProcessEnv = process.env, modelFlag?: string): ModelConfig {
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
  return { apiKey, baseURL, model: modelFlag || env.NEWSDESK_MODEL?.trim() || DEFAULT_MODEL };
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
