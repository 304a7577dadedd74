import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
import Anthropic from '@anthropic-ai/sdk';
import {
  BedrockRuntimeClient,
  type BedrockRuntimeServiceException,
  ConverseCommand,
  InternalServerException,
} from '@aws-sdk/client-bedrock-runtime';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsCredentials,
  SIM_AWS_CREDENTIALS,
  SIM_BEDROCK_API_KEY,
  type Simulator,
  startSimulator,
} from './index.js';

// Bedrock hosts check SigV4 signatures (and Bedrock API keys) as AWS does, before any fault.

const TEMPORARY: AwsCredentials = {
  accessKeyId: 'ASIASIMULATOR0000002',
  secretAccessKey: 'simulator/temporary/secret/0000000000002',
  sessionToken: 'simulator-session-token',
};

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, credentials: { aws: [SIM_AWS_CREDENTIALS, TEMPORARY] } });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const MODEL = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

/** Sends one Converse call over HTTP/2 with these credentials; answers its text or its error. */
async function converseWith(credentials: AwsCredentials): Promise<string | BedrockRuntimeServiceException> {
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: `${sim.url}/hosts/bed`,
    credentials: { ...credentials },
    maxAttempts: 1,
  });
  try {
    const output = await client.send(
      new ConverseCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'echo: ok' }] }] }),
    );
    return output.output?.message?.content?.[0]?.text ?? '';
  } catch (error) {
    return error as BedrockRuntimeServiceException;
  } finally {
    client.destroy();
  }
}

/** A client signing with this secret for the simulator's access key. */
function claudeSigningWith(secret: string) {
  return new AnthropicBedrock({
    awsRegion: 'us-east-1',
    baseURL: `${sim.url}/hosts/bed`,
    maxRetries: 0,
    awsAccessKey: SIM_AWS_CREDENTIALS.accessKeyId,
    awsSecretKey: secret,
    apiKey: null,
  });
}

/** A client sending this Bedrock API key. */
function claudeWithApiKey(apiKey: string) {
  return new AnthropicBedrock({
    awsRegion: 'us-east-1',
    baseURL: `${sim.url}/hosts/bed`,
    maxRetries: 0,
    apiKey,
  });
}

describe('SigV4 from the AWS SDK (HTTP/2, `:authority` signed)', () => {
  it('accepts the simulator pair and a temporary pair with its session token', async () => {
    expect(await converseWith(SIM_AWS_CREDENTIALS)).toBe('ok');
    expect(await converseWith(TEMPORARY)).toBe('ok');
  });

  it('answers a wrong secret with 403 InvalidSignatureException', async () => {
    const error = await converseWith({ ...SIM_AWS_CREDENTIALS, secretAccessKey: 'wrong' });
    expect(error).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
  });

  it('answers an unknown key, or a missing or wrong session token, with 403 UnrecognizedClientException', async () => {
    for (const credentials of [
      { ...SIM_AWS_CREDENTIALS, accessKeyId: 'AKIAUNKNOWN000000000' },
      { accessKeyId: TEMPORARY.accessKeyId, secretAccessKey: TEMPORARY.secretAccessKey },
      { ...TEMPORARY, sessionToken: 'stolen' },
    ]) {
      const error = await converseWith(credentials);
      expect(error).toMatchObject({
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
        $metadata: { httpStatusCode: 403 },
      });
    }
  });

  it('rejects before the fault program runs, and leaves the fault for the next request', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'status', status: 500 }, times: 1 });
    const denied = await converseWith({ ...SIM_AWS_CREDENTIALS, secretAccessKey: 'wrong' });
    expect(denied).toMatchObject({ name: 'InvalidSignatureException' });
    expect(await converseWith(SIM_AWS_CREDENTIALS)).toBeInstanceOf(InternalServerException);
    expect(sim.stats().hosts.bed).toMatchObject({ requests: 2, faulted: 1 });
  });
});

describe('SigV4 from @anthropic-ai/bedrock-sdk (HTTP/1.1, `host` signed, `:` unescaped)', () => {
  it('accepts the right secret and answers a wrong one with 403', async () => {
    const message = await claudeSigningWith(SIM_AWS_CREDENTIALS.secretAccessKey).messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'echo: ok' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
    const error = await claudeSigningWith('wrong')
      .messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('x-amzn-errortype')).toMatch(
      /^InvalidSignatureException:/,
    );
  });
});

describe('Bedrock API keys', () => {
  it('accepts the simulator key as a bearer token and refuses another', async () => {
    const message = await claudeWithApiKey(SIM_BEDROCK_API_KEY).messages.create({
      model: MODEL,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'echo: ok' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(sim.stats().hosts.bed?.recent[0]?.headers.authorization).toBe(`Bearer ${SIM_BEDROCK_API_KEY}`);
    const error = await claudeWithApiKey('ABSKsomeone-else')
      .messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
  });
});

describe('requests signed by hand', () => {
  const path = `/hosts/bed/model/${encodeURIComponent(MODEL)}/converse`;
  const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'echo: signed' }] }] });

  async function signed(): Promise<Record<string, string>> {
    const url = new URL(sim.url);
    const signer = new SignatureV4({
      service: 'bedrock',
      region: 'us-east-1',
      credentials: SIM_AWS_CREDENTIALS,
      sha256: Hash.bind(null, 'sha256'),
    });
    const request = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path,
        headers: { host: url.host, 'content-type': 'application/json' },
        body,
      }),
    );
    return request.headers;
  }

  it('accepts the body that was signed and refuses another under the same signature', async () => {
    const headers = await signed();
    const good = await fetch(`${sim.url}${path}`, { method: 'POST', headers, body });
    expect(good.status).toBe(200);
    // x-amz-content-sha256 is signed, so the signature holds; the body no longer matches that hash.
    const tampered = await fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers,
      body: body.replace('signed', 'forged'),
    });
    expect(tampered.status).toBe(403);
    expect(tampered.headers.get('x-amzn-errortype')).toMatch(/^InvalidSignatureException:/);
  });

  it('answers a request without credentials with 403', async () => {
    const response = await fetch(`${sim.url}${path}`, { method: 'POST', body });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException:/);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});
