import { assertNever } from '../core/index.js';
import { AnthropicProvider, type AnthropicSettings } from './anthropic/index.js';
import { GeminiProvider, type GeminiSettings } from './gemini/index.js';
import { OpenAiCompatibleProvider, type OpenAiCompatibleSettings } from './openai-compatible/index.js';
import type { Provider } from './provider-kind.js';
import { VertexProvider, type VertexSettings } from './vertex/index.js';

/** Kinds the config describes whose folder is not built yet: refused when a provider is created. */
interface UnbuiltKindSettings {
  protocol: 'bedrock' | 'azure-openai';
}

/** A provider as configured, by kind: one upstream account (DESIGN.md section 2). */
export type ProviderSettings =
  | OpenAiCompatibleSettings
  | AnthropicSettings
  | VertexSettings
  | GeminiSettings
  | UnbuiltKindSettings;

/**
 * The registry of provider kinds: `protocol:` in the config picks the folder that reaches the
 * host. Adding a kind is adding a folder and a case here.
 */
export function createProvider(name: string, settings: ProviderSettings): Provider {
  switch (settings.protocol) {
    case 'openai-chat':
      return new OpenAiCompatibleProvider(name, settings);
    case 'anthropic-messages':
      return new AnthropicProvider(name, settings);
    case 'vertex':
      return new VertexProvider(name, settings);
    case 'gemini':
      return new GeminiProvider(name, settings);
    case 'bedrock':
    case 'azure-openai':
      throw new Error(`provider ${name}: protocol ${settings.protocol} is not built yet`);
    default:
      return assertNever(settings);
  }
}
