import { assertNever } from '../core/index.js';
import { AnthropicProvider, type AnthropicSettings } from './anthropic/index.js';
import { OpenAiCompatibleProvider, type OpenAiCompatibleSettings } from './openai-compatible/index.js';
import type { Provider } from './provider-kind.js';

/** A provider as configured, by kind: one upstream account (DESIGN.md section 2). */
export type ProviderSettings = OpenAiCompatibleSettings | AnthropicSettings;

/**
 * The registry of provider kinds: `protocol:` in the config picks the folder that reaches the
 * host. Adding a kind is adding a folder and a case here.
 */
export function createProvider(settings: ProviderSettings): Provider {
  switch (settings.protocol) {
    case 'openai-chat':
      return new OpenAiCompatibleProvider(settings);
    case 'anthropic-messages':
      return new AnthropicProvider(settings);
    default:
      return assertNever(settings);
  }
}
