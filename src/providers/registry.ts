import { assertNever } from '../core/index.js';
import { AnthropicProvider, type AnthropicSettings } from './anthropic/index.js';
import { AzureOpenAiProvider, type AzureOpenAiSettings } from './azure-openai/index.js';
import { type BedrockEnvironment, BedrockProvider, type BedrockSettings } from './bedrock/index.js';
import { GeminiProvider, type GeminiSettings } from './gemini/index.js';
import { OpenAiCompatibleProvider, type OpenAiCompatibleSettings } from './openai-compatible/index.js';
import type { Provider } from './provider-kind.js';
import { VertexProvider, type VertexSettings } from './vertex/index.js';

/** A provider as configured, by kind: one upstream account (DESIGN.md section 2). */
export type ProviderSettings =
  | OpenAiCompatibleSettings
  | AnthropicSettings
  | AzureOpenAiSettings
  | BedrockSettings
  | VertexSettings
  | GeminiSettings;

/** Environment variables a kind may read for settings the config leaves out (Bedrock's `AWS_*`). */
export type ProviderEnvironment = BedrockEnvironment;

/**
 * The registry of provider kinds: `protocol:` in the config picks the folder that reaches the
 * host. Adding a kind is adding a folder and a case here. `env` is where a kind looks for what the
 * config leaves out (tests pass their own); a kind that cannot work throws, naming the provider.
 */
export function createProvider(
  name: string,
  settings: ProviderSettings,
  env: ProviderEnvironment = process.env,
): Provider {
  switch (settings.protocol) {
    case 'openai-chat':
      return new OpenAiCompatibleProvider(name, settings);
    case 'anthropic-messages':
      return new AnthropicProvider(name, settings);
    case 'azure-openai':
      return new AzureOpenAiProvider(name, settings);
    case 'bedrock':
      return new BedrockProvider(name, settings, env);
    case 'vertex':
      return new VertexProvider(name, settings);
    case 'gemini':
      return new GeminiProvider(name, settings);
    default:
      return assertNever(settings);
  }
}
