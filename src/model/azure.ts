// Azure OpenAI: the same chat protocol, another address and auth header
// ({endpoint}/openai/deployments/{deployment}/chat/completions?api-version=..., "api-key: KEY").
// Spoken with the platform fetch: this file shows that a provider is one file behind ChatModel.
import { ProviderError } from "../core/errors.ts";
import { registerSecret } from "../core/secrets.ts";
import { retryAfterMs } from "./headers.ts";
import { faultForStatus } from "./faults.ts";
import { wireSchemaOf } from "./json-schema.ts";
import { DEFAULT_TIMEOUT_MS, type ChatAnswer, type ChatModel, type ChatRequest, type ProviderOptions } from "./provider.ts";

export const DEFAULT_AZURE_API_VERSION = "2024-10-21";

interface Completion {
  choices?: { message?: { content?: string | null; refusal?: string | null }; finish_reason?: string }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } };
  error?: { message?: string; code?: string };
}

export class AzureChatModel implements ChatModel {
  readonly server: string;
  private readonly timeoutMs: number;
  private answered = false;

  constructor(private readonly options: ProviderOptions) {
    registerSecret(options.apiKey);
    if (!options.baseURL) throw new ProviderError("the azure provider needs OPENAI_BASE_URL: the resource's endpoint, e.g. https://NAME.openai.azure.com", "config");
    this.server = options.baseURL.trim().replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async complete(request: ChatRequest): Promise<ChatAnswer> {
    const body = {
      messages: request.messages,
      response_format: { type: "json_schema", json_schema: { name: request.schemaName, strict: true, schema: wireSchemaOf(request.schema) } },
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    };
    const completion = await this.post(request.model, body, request.signal, request.label);
    const choice = completion.choices?.[0];
    if (!choice) throw new ProviderError(`the server at ${this.server} sent no answer (no choices)`, "transient");
    const finish = choice.finish_reason;
    return {
      text: choice.message?.content ?? "",
      refusal: choice.message?.refusal ?? null,
      finish: finish === "stop" || finish === "length" || finish === "content_filter" ? finish : "other",
      enforced: true,
      usage: {
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        cachedTokens: completion.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      },
    };
  }

  async probe(model: string): Promise<void> {
    await this.post(model, { messages: [{ role: "user", content: "Reply with OK." }], max_tokens: 5 }, undefined);
  }

  private async post(deployment: string, body: unknown, parent: AbortSignal | undefined, label?: string): Promise<Completion> {
    const url = `${this.server}/openai/deployments/${encodeURIComponent(deployment)}/chat/completions?api-version=${encodeURIComponent(this.options.apiVersion ?? DEFAULT_AZURE_API_VERSION)}`;
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(parent ? [parent] : [])];
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "api-key": this.options.apiKey?.trim() ?? "", ...(label ? { "x-newsdesk-task": label } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      if (parent?.aborted) throw new ProviderError("cancelled", "abort", { cause: error });
      if ((error as Error).name === "TimeoutError") {
        throw new ProviderError(`the server at ${this.server} did not answer within ${Math.round(this.timeoutMs / 1000)} s (--timeout)`, "transient", { timeout: true, cause: error });
      }
      const code = ((error as { cause?: { code?: string } }).cause?.code) ?? "connection failed";
      throw new ProviderError(`cannot reach the model server at ${this.server} (OPENAI_BASE_URL): ${code}`, this.answered ? "transient" : "config", { cause: error });
    }
    const text = await response.text();
    let data: Completion;
    try {
      data = JSON.parse(text) as Completion;
    } catch {
      throw new ProviderError(`the server at ${this.server} sent a body that is not JSON (status ${response.status})`, response.ok || response.status >= 500 ? "transient" : "permanent");
    }
    if (!response.ok) throw this.statusError(response, data, deployment);
    this.answered = true;
    return data;
  }

  private statusError(response: Response, data: Completion, deployment: string): ProviderError {
    return faultForStatus(response.status, {
      server: this.server,
      says: (data.error?.message ?? `status ${response.status}`).split("\n")[0]!.slice(0, 120),
      notFound: `deployment "${deployment}" not found at ${this.server} (404): check --model / NEWSDESK_MODEL (the deployment name)`,
      quota: data.error?.code === "insufficient_quota",
      retryAfterMs: retryAfterMs(response.headers),
    });
  }

}
