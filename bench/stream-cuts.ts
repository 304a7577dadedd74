/**
 * The stream-cut phase of `npm run bench:outage`: a host that cuts streams mid-answer. Two models
 * with the same two deployments — `vendor` (Anthropic protocol, cuts 50 % of its streams after 20
 * of 40 words) and `cloud` (Anthropic protocol too, so it takes a prefill) — one with
 * `streams.recovery: continue`, one with the default `error`. Streamed Anthropic-format traffic goes
 * through Detour; a client stream counts as complete when it ends with `message_stop`, no error
 * event, and exactly the expected text. Returns the section's markdown.
 */
import { parseConfig } from '../src/config/index.js';
import { startGateway } from '../src/server/index.js';
import { startSimulator } from '../src/sim/index.js';
import { SqliteStore } from '../src/store/index.js';
import { fixed, percentile } from './percentile.js';

const WORDS = Array.from({ length: 40 }, (_, index) => `word${index + 1}`);
const ANSWER = WORDS.join(' ');

interface Result {
  complete: boolean;
  latencyMs: number;
}

/** The text an Anthropic SSE stream carried, and whether it ended cleanly. */
function readStream(body: string): { text: string; clean: boolean } {
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = JSON.parse(line.slice(6)) as { type?: string; delta?: { type?: string; text?: string } };
    if (data.type === 'content_block_delta' && data.delta?.type === 'text_delta')
      text += data.delta.text ?? '';
  }
  return { text, clean: body.includes('event: message_stop') && !body.includes('event: error') };
}

export async function runStreamCutPhase(requests: number, concurrency: number): Promise<string> {
  const sim = await startSimulator({ port: 0, seed: 5, timeToFirstTokenMs: 20, tokenIntervalMs: 2 });
  const config = parseConfig(
    `
providers:
  vendor: { protocol: anthropic-messages, baseUrl: ${sim.url}/hosts/vendor, apiKey: vendor-key }
  cloud:  { protocol: anthropic-messages, baseUrl: ${sim.url}/hosts/cloud, apiKey: cloud-key }
models:
  continued: { deployments: [ { provider: vendor, model: up-c }, { provider: cloud, model: up-c } ], streams: { recovery: continue } }
  plain:     { deployments: [ { provider: vendor, model: up-p }, { provider: cloud, model: up-p } ] }
health: { ejection: { consecutiveFailures: 1000, failureRate: 1, minRequests: 100000 }, demotion: { failureRate: 1, minRequests: 100000 } }
auth: { mode: off }
# Quality canaries off: the upstream counts here are of client traffic only.
canaries: { enabled: false }
`,
    'stream-cuts.yaml',
    {},
  );
  // Breakers and demotion are held off so that every request still starts on the cutting host: the
  // phase measures what recovery does with a break, not how fast health routes around the host.
  const detour = await startGateway(config, {
    port: 0,
    host: '127.0.0.1',
    store: new SqliteStore({ path: ':memory:' }),
  });
  sim.setFault({ host: 'vendor', fault: { type: 'reset_mid_body', afterChunks: 20 }, probability: 0.5 });
  const results: Record<string, Result[]> = { continued: [], plain: [] };
  let next = 0;
  const worker = async () => {
    while (next < requests) {
      const index = next;
      next += 1;
      const model = index % 2 === 0 ? 'continued' : 'plain';
      const started = performance.now();
      let complete = false;
      try {
        const response = await fetch(`${detour.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: JSON.stringify({
            model,
            max_tokens: 200,
            stream: true,
            messages: [{ role: 'user', content: `echo: ${ANSWER}` }],
          }),
        });
        const read = readStream(await response.text());
        complete = response.status === 200 && read.clean && read.text === ANSWER;
      } catch {
        complete = false;
      }
      results[model]?.push({ complete, latencyMs: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cut = sim.stats().hosts.vendor?.faulted ?? 0;
  await detour.close();
  await sim.close();
  const row = (model: string, label: string, target: string) => {
    const list = results[model] ?? [];
    const done = list.filter((result) => result.complete).length;
    const latency = list.map((result) => result.latencyMs);
    return `| ${label} | ${done} of ${list.length} (${fixed((100 * done) / Math.max(1, list.length), 1)} %) | ${fixed(percentile(latency, 0.5), 0)} / ${fixed(percentile(latency, 0.99), 0)} | ${target} |`;
  };
  return `### Streams cut mid-answer

${requests} streamed Anthropic-format requests (${concurrency} at a time) for a 40-word answer, half to a model with
\`streams.recovery: continue\` and half to one with the default \`error\`; both have the same two deployments, and the first,
\`vendor\`, cuts half of its streams after 20 words (a connection reset, no terminator) — ${cut} streams were cut. The second,
\`cloud\`, takes a prefill. Breakers and demotion are held off so every request starts on the cutting host. A stream counts as
complete when the client got exactly the 40 words and \`message_stop\`, with no error event.

| model | client streams complete | latency p50 / p99 (ms) | target |
| --- | --- | --- | --- |
${row('continued', '`recovery: continue`', '100 %')}
${row('plain', '`recovery: error` (default)', 'the cut half ends with an error event')}
`;
}
