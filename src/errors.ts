// Typed errors, so the CLI and library users can tell what went wrong without parsing text.
import type { Usage } from "./types.ts";

export class NewsdeskError extends Error {
  override name = "NewsdeskError";
}

/** Bad configuration or usage: exit code 2. */
export class ConfigError extends NewsdeskError {
  override name = "ConfigError";
}

/** The model declined to answer (a refusal or a content filter). */
export class RefusalError extends NewsdeskError {
  override name = "RefusalError";
}

/** The answer was cut off by the token limit (finish_reason "length"). */
export class TruncatedError extends NewsdeskError {
  override name = "TruncatedError";
}

/** The answer stayed invalid (not JSON, schema broken, hard check failed) after every repair. */
export class InvalidAnswerError extends NewsdeskError {
  override name = "InvalidAnswerError";
  constructor(message: string, readonly problems: string[]) {
    super(message);
  }
}

/**
 * Keeps what a failed task or article already used (calls, tokens) on the error, so that usage and
 * cost reports count calls that were paid for even when the work failed.
 */
export function withUsage<E>(error: E, usage: Usage): E {
  if (error && typeof error === "object") {
    Object.defineProperty(error, "usage", { value: usage, configurable: true, writable: true, enumerable: false });
  }
  return error;
}

export function usageOf(error: unknown): Usage | undefined {
  return error && typeof error === "object" ? (error as { usage?: Usage }).usage : undefined;
}

/** Removes the API key (and anything shaped like one) from text that may be shown or stored. */
export function redactSecrets(text: string, secrets: (string | undefined)[] = [process.env.OPENAI_API_KEY]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out.replace(/\bsk-[A-Za-z0-9_*-]{6,}/g, "[redacted]");
}

/** One line describing an error for the user, secrets removed. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactSecrets(message.split("\n")[0]!.trim());
}
