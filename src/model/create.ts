// Picks the provider file by configuration: "openai" (OpenAI and compatible servers) or "azure".
import { AzureChatModel } from "./azure.ts";
import { OpenAIChatModel } from "./openai.ts";
import type { ChatModel, ProviderOptions } from "./provider.ts";

export function createModelClient(options: ProviderOptions = {}): ChatModel {
  return options.kind === "azure" ? new AzureChatModel(options) : new OpenAIChatModel(options);
}
