/**
 * Tool arguments as the JSON object a tool-use block's input must be (Anthropic `tool_use.input`,
 * Bedrock Converse `toolUse.input`). Arguments that are not a JSON object (a model's malformed
 * output) are kept whole under `arguments` rather than lost.
 */
export function parseToolInput(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Falls through to the wrapped text.
  }
  return { arguments: text };
}
