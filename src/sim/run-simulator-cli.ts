import { parseArgs } from 'node:util';
import { loadScenario } from './scenario.js';
import { startSimulator } from './simulator.js';

/** `detour sim [--port N] [--host ADDR] [--scenario FILE] [--seed N] [--ttft MS] [--token-interval MS]`. */
export async function runSimulatorCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4100' },
      host: { type: 'string', default: '127.0.0.1' },
      scenario: { type: 'string' },
      seed: { type: 'string', default: '1' },
      ttft: { type: 'string', default: '0' },
      'token-interval': { type: 'string', default: '0' },
    },
  });
  const numberOf = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--${name} must be a number >= 0, got "${text}"`);
    return value;
  };
  const steps = values.scenario === undefined ? undefined : await loadScenario(values.scenario);
  const simulator = await startSimulator({
    port: numberOf('port', values.port),
    host: values.host,
    seed: numberOf('seed', values.seed),
    timeToFirstTokenMs: numberOf('ttft', values.ttft),
    tokenIntervalMs: numberOf('token-interval', values['token-interval']),
  });
  if (steps !== undefined) simulator.runScenario(steps);
  process.stdout.write(
    [
      `Detour simulator listening on ${simulator.url}`,
      `  OpenAI-format host "x":    ${simulator.url}/hosts/x/v1/chat/completions`,
      `  Anthropic-format host "x": ${simulator.url}/hosts/x/v1/messages`,
      `  Gemini API host "x":       ${simulator.url}/hosts/x/v1beta/models/{model}:generateContent (x-goog-api-key)`,
      `  Vertex AI host "x":        ${simulator.url}/hosts/x/v1/projects/{p}/locations/{l}/publishers/{anthropic|google}/models/{model}:…`,
      `  Google token endpoint:     ${simulator.url}/hosts/x/token`,
      `  Azure OpenAI host "x":     ${simulator.url}/hosts/x/openai/deployments/{deployment}/chat/completions?api-version=…`,
      `  control: GET ${simulator.url}/_sim/stats, POST/DELETE ${simulator.url}/_sim/faults`,
      steps === undefined ? '' : `  scenario: ${values.scenario} (${steps.length} steps)`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    simulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
