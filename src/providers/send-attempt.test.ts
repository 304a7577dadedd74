import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatRequest, DetourError, systemClock } from '../core/index.js';
import { codecFor } from '../protocols/index.js';
import { SIM_AWS_CREDENTIALS, type Simulator, startSimulator } from '../sim/index.js';
import { createProvider } from './registry.js';
import { openStream } from './send-attempt.js';
import { UpstreamTransport } from './upstream-transport.js';

let sim: Simulator;
let transport: UpstreamTransport;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 1 });
  transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
});

afterAll(async () => {
  await transport.close();
  await sim.close();
});

describe('openStream', () => {
  it('names the provider and deployment on an error the kind’s stream reader threw', async () => {
    // Bedrock's exception frames are classified by its event-stream reader, which knows no deployment.
    sim.setFault({
      host: 'br',
      fault: { type: 'stream_error', afterChunks: 0, errorType: 'modelTimeoutException' },
    });
    const provider = createProvider(
      'br',
      { protocol: 'bedrock', region: 'us-east-1', baseUrl: `${sim.url}/hosts/br`, ...SIM_AWS_CREDENTIALS },
      {},
    );
    const request: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'echo: hi' }] }],
      stream: true,
      metadata: {},
      vendorOptions: {},
    };
    const stream = openStream(
      {
        provider,
        deploymentId: 'br/amazon.nova-lite-v1:0',
        upstreamModel: 'amazon.nova-lite-v1:0',
        timeouts: { firstTokenMs: 5_000, idleMs: 5_000 },
      },
      {
        request,
        clientProtocol: 'openai-chat',
        rawBody: codecFor('openai-chat').encodeRequest(request, 'm'),
        clientHeaders: {},
        signal: new AbortController().signal,
        transport,
        clock: systemClock,
      },
    );
    let thrown: unknown;
    try {
      for await (const _chunk of stream) {
        // Nothing arrives before the exception.
      }
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DetourError);
    expect(thrown).toMatchObject({
      failureClass: 'timeout',
      upstream: { provider: 'br', deployment: 'br/amazon.nova-lite-v1:0' },
    });
  });
});
