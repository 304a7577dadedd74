/**
 * The config `detour start` uses when it finds no config file: the vendors whose keys are in the
 * environment, or else the built-in simulator so a new user can send a request at once.
 */

/** Models configured when `OPENAI_API_KEY` is set (OpenAI's current lineup; edit freely in a config). */
const OPENAI_MODELS = [
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4o',
  'gpt-4o-mini',
];

/** Models configured when `ANTHROPIC_API_KEY` is set. */
const ANTHROPIC_MODELS: ReadonlyArray<readonly [string, string]> = [
  ['claude-opus-4.1', 'claude-opus-4-1'],
  ['claude-sonnet-4.5', 'claude-sonnet-4-5'],
  ['claude-haiku-4.5', 'claude-haiku-4-5'],
];

/** Which kind of zero-config start this is. */
export type ZeroConfigKind = 'vendors' | 'simulator';

/** YAML for the vendors whose keys are set, or undefined when none is. */
export function vendorConfigYaml(env: NodeJS.ProcessEnv): string | undefined {
  const hasOpenai = Boolean(env.OPENAI_API_KEY);
  const hasAnthropic = Boolean(env.ANTHROPIC_API_KEY);
  if (!hasOpenai && !hasAnthropic) return undefined;
  const lines = ['providers:'];
  if (hasOpenai)
    lines.push(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML env reference, resolved when the config loads
      '  openai: { protocol: openai-chat, baseUrl: https://api.openai.com/v1, apiKey: ${OPENAI_API_KEY} }',
    );
  if (hasAnthropic) {
    lines.push(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML env reference, resolved when the config loads
      '  anthropic: { protocol: anthropic-messages, baseUrl: https://api.anthropic.com, apiKey: ${ANTHROPIC_API_KEY} }',
    );
  }
  lines.push('models:');
  if (hasOpenai) {
    for (const model of OPENAI_MODELS)
      lines.push(`  ${model}: { deployments: [ { provider: openai, model: ${model} } ] }`);
  }
  if (hasAnthropic) {
    for (const [name, id] of ANTHROPIC_MODELS) {
      lines.push(`  ${name}: { deployments: [ { provider: anthropic, model: ${id} } ] }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * YAML for the built-in simulator at `simUrl`: three simulated hosts and a few models with two
 * deployments each, one of them served across protocols, so failover can be tried at once.
 */
export function simulatorConfigYaml(simUrl: string): string {
  return `# Built-in simulated providers (no vendor keys were set). Save this as detour.yaml to edit it.
providers:
  sim-openai:    { protocol: openai-chat,        baseUrl: ${simUrl}/hosts/sim-openai/v1 }
  sim-cloud:     { protocol: openai-chat,        baseUrl: ${simUrl}/hosts/sim-cloud/v1 }
  sim-anthropic: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/sim-anthropic }
models:
  gpt-5:
    deployments:
      - { provider: sim-openai, model: gpt-5 }
      - { provider: sim-cloud,  model: gpt-5 }
  gpt-5-mini:
    deployments:
      - { provider: sim-openai, model: gpt-5-mini }
      - { provider: sim-cloud,  model: gpt-5-mini }
    fallbacks: [gpt-5]
  claude-sonnet-4.5:
    deployments:
      - { provider: sim-anthropic, model: claude-sonnet-4-5 }
      - { provider: sim-cloud,     model: claude-sonnet-4-5 }
`;
}
