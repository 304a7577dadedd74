import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import type { PreparedCall } from '../provider-kind.js';
import { createProvider } from '../registry.js';
import { BedrockProvider } from './index.js';

const credentials = {
  accessKeyId: 'AKIATESTKEY',
  secretAccessKey: 'test-secret-key',
  sessionToken: 'test-token',
};

/** Re-signs a prepared call as a Bedrock host verifies one: exactly the path and signed headers received. */
async function verifySignature(call: PreparedCall, region: string): Promise<boolean> {
  const authorization = call.headers.authorization ?? '';
  const match = /SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(authorization);
  if (match === null) return false;
  const signedNames = match[1]!.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = call.headers[name] ?? '';
  const date = call.headers['x-amz-date']!;
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const url = new URL(call.origin);
  const signer = new SignatureV4({
    service: 'bedrock',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const resigned = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: call.path,
      headers,
      body: call.body,
    }),
    { signingDate, signableHeaders: new Set(signedNames) },
  );
  return resigned.headers.authorization?.endsWith(`Signature=${match[2]}`) ?? false;
}

const messagesBody = {
  model: 'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
  stream: true,
  max_tokens: 5,
  messages: [{ role: 'user', content: 'hi' }],
};

describe('BedrockProvider', () => {
  const provider = new BedrockProvider(
    'br',
    {
      protocol: 'bedrock',
      region: 'us-east-1',
      baseUrl: 'http://127.0.0.1:9000/hosts/br',
      headers: { 'X-Team': 'a' },
      ...credentials,
    },
    {},
  );

  it('is created by the registry for protocol bedrock, reading the environment it is given', () => {
    const created = createProvider(
      'br',
      { protocol: 'bedrock' },
      {
        AWS_REGION: 'ap-southeast-2',
        AWS_ACCESS_KEY_ID: 'AKIA-ENV',
        AWS_SECRET_ACCESS_KEY: 'env-secret',
      },
    );
    expect(created).toBeInstanceOf(BedrockProvider);
    expect(created.kind).toBe('bedrock');
    expect(created.endpoint).toBe('https://bedrock-runtime.ap-southeast-2.amazonaws.com');
    expect(() => createProvider('br-west', { protocol: 'bedrock' }, {})).toThrow(
      /provider br-west \(bedrock\)/,
    );
  });

  it('names its endpoint without credentials', () => {
    expect(provider.endpoint).toBe('http://127.0.0.1:9000/hosts/br');
  });

  it('sends an Anthropic model’s stream to InvokeModelWithResponseStream with a Bedrock Messages body, signed', async () => {
    const call = await provider.prepareCall({
      upstreamModel: messagesBody.model,
      body: messagesBody,
      stream: true,
      clientHeaders: { 'anthropic-beta': 'context-1m-2025-08-07', 'x-api-key': 'client-key' },
    });
    expect(call.origin).toBe('http://127.0.0.1:9000');
    expect(call.path).toBe(
      '/hosts/br/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke-with-response-stream',
    );
    expect(JSON.parse(call.body)).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      anthropic_beta: ['context-1m-2025-08-07'],
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(call.headers).toMatchObject({
      host: '127.0.0.1:9000',
      'content-type': 'application/json',
      'x-team': 'a',
      'x-amz-security-token': 'test-token',
    });
    // Neither the client's own key nor its beta header goes to Bedrock as a header.
    expect(call.headers).not.toHaveProperty('x-api-key');
    expect(call.headers).not.toHaveProperty('anthropic-beta');
    expect(call.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIATESTKEY\/\d{8}\/us-east-1\/bedrock\//,
    );
    expect(call.headers.authorization).toMatch(
      /SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-team,/,
    );
    expect(await verifySignature(call, 'us-east-1')).toBe(true);
    // The check is a real one: a changed path or region no longer verifies.
    expect(await verifySignature({ ...call, path: call.path.replace('%3A', ':') }, 'us-east-1')).toBe(false);
    expect(await verifySignature(call, 'us-west-2')).toBe(false);
  });

  it('sends other models to Converse, and non-streamed Anthropic ones to InvokeModel', async () => {
    const converse = await provider.prepareCall({
      upstreamModel: 'amazon.nova-pro-v1:0',
      body: { messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 5 } },
      stream: false,
      clientHeaders: {},
    });
    expect(converse.path).toBe('/hosts/br/model/amazon.nova-pro-v1%3A0/converse');
    expect(JSON.parse(converse.body)).toEqual({
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      inferenceConfig: { maxTokens: 5 },
    });
    expect(await verifySignature(converse, 'us-east-1')).toBe(true);
    const stream = await provider.prepareCall({
      upstreamModel: 'meta.llama3-8b',
      body: {},
      stream: true,
      clientHeaders: {},
    });
    expect(stream.path).toBe('/hosts/br/model/meta.llama3-8b/converse-stream');
    const invoke = await provider.prepareCall({
      upstreamModel: 'anthropic.claude-v2',
      body: messagesBody,
      stream: false,
      clientHeaders: {},
    });
    expect(invoke.path).toBe('/hosts/br/model/anthropic.claude-v2/invoke');
    expect(JSON.parse(invoke.body)).not.toHaveProperty('anthropic_beta');
  });

  it('sends a Bedrock API key as a bearer token instead of signing', async () => {
    const bearer = new BedrockProvider(
      'br',
      { protocol: 'bedrock', region: 'us-east-1', apiKey: 'bedrock-api-key' },
      {},
    );
    const call = await bearer.prepareCall({
      upstreamModel: 'amazon.nova-lite-v1:0',
      body: {},
      stream: false,
      clientHeaders: {},
    });
    expect(call.origin).toBe('https://bedrock-runtime.us-east-1.amazonaws.com');
    expect(call.headers.authorization).toBe('Bearer bedrock-api-key');
    expect(Object.keys(call.headers).filter((name) => name.startsWith('x-amz-'))).toEqual([]);
  });

  it('sends exactly the configured headers, host, JSON content type and accept, and the bearer token', async () => {
    const bearer = new BedrockProvider(
      'br',
      {
        protocol: 'bedrock',
        region: 'eu-west-3',
        apiKey: 'bedrock-api-key',
        baseUrl: 'http://127.0.0.1:9000/hosts/br',
        headers: { 'X-Team': 'a' },
      },
      {},
    );
    const call = await bearer.prepareCall({
      upstreamModel: 'amazon.nova-lite-v1:0',
      body: { messages: [] },
      stream: true,
      clientHeaders: { 'x-api-key': 'client-key' },
    });

    expect(call).toStrictEqual({
      origin: 'http://127.0.0.1:9000',
      path: '/hosts/br/model/amazon.nova-lite-v1%3A0/converse-stream',
      headers: {
        'x-team': 'a',
        host: '127.0.0.1:9000',
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: 'Bearer bedrock-api-key',
      },
      body: '{"messages":[]}',
    });
  });

  it('reads the exception name of an error answer from x-amzn-ErrorType', () => {
    expect(
      provider.readErrorDetails(
        'm',
        { 'x-amzn-errortype': 'ThrottlingException:http://x/' },
        { message: 'slow' },
        '',
      ),
    ).toEqual({ type: 'ThrottlingException', message: 'slow' });
    expect(provider.vendorErrorClasses.ThrottlingException).toBe('rate_limited');
  });

  it('reads its streams as event streams', async () => {
    async function* empty(): AsyncGenerator<Buffer> {}
    const messages = [];
    for await (const message of provider.readStream(empty(), 'amazon.nova-pro-v1:0')) messages.push(message);
    expect(messages).toEqual([]);
    async function* garbage(): AsyncGenerator<Buffer> {
      yield Buffer.from('data: {"type":"message_start"}\n\n');
    }
    await expect(async () => {
      for await (const _message of provider.readStream(garbage(), 'anthropic.claude-v2'));
    }).rejects.toMatchObject({ failureClass: 'bad_response' });
  });
});
