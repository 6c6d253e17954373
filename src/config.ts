// Configuration from the environment and .env: which server, which key, which model.
import { config as loadDotenv } from "dotenv";
import { ConfigError } from "./errors.ts";

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
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  if (!apiKey && !baseURL) {
    throw new ConfigError(
      "no model configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server) in the environment or in .env (see .env.example)",
    );
  }
  return { apiKey, baseURL, model: modelFlag || env.NEWSDESK_MODEL?.trim() || DEFAULT_MODEL };
}
