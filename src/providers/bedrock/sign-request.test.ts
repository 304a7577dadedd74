import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BedrockSigner } from './sign-request.js';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** AWS's published SigV4 recipe, written out independently of @smithy/signature-v4. */
function expectedSignature(input: {
  path: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  body: string;
  amzDate: string;
  region: string;
  secret: string;
}): string {
  const day = input.amzDate.slice(0, 8);
  // Non-S3 services canonicalise the path by encoding it once more, `/` kept.
  const canonicalPath = encodeURIComponent(input.path)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalHeaders = input.signedHeaders
    .map((name) => `${name}:${input.headers[name]!.trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    'POST',
    canonicalPath,
    '',
    canonicalHeaders,
    input.signedHeaders.join(';'),
    sha256Hex(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/bedrock/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${input.secret}`).update(day).digest();
  for (const part of [input.region, 'bedrock', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

function parseAuthorization(header: string): {
  credential: string;
  signedHeaders: string[];
  signature: string;
} {
  const match = /^AWS4-HMAC-SHA256 Credential=(\S+), SignedHeaders=(\S+), Signature=([0-9a-f]{64})$/.exec(
    header,
  );
  if (match === null) throw new Error(`not a SigV4 authorization: ${header}`);
  return { credential: match[1]!, signedHeaders: match[2]!.split(';'), signature: match[3]! };
}

describe('BedrockSigner', () => {
  const request = {
    origin: 'http://127.0.0.1:8123',
    path: '/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke',
    headers: {
      host: '127.0.0.1:8123',
      'content-type': 'application/json',
      accept: 'application/json',
      'x-team': '  two   words ',
    },
    body: '{"messages":[{"role":"user","content":"hi"}],"max_tokens":5}',
  };
  const signingDate = new Date('2026-11-30T02:14:11Z');

  it('signs every header it sends, for service bedrock in the region, as AWS’s recipe computes', async () => {
    const headers = await new BedrockSigner('us-east-1', credentials).sign(request, signingDate);
    expect(headers['x-amz-date']).toBe('20261130T021411Z');
    expect(headers['x-amz-content-sha256']).toBe(sha256Hex(request.body));
    const authorization = parseAuthorization(headers.authorization!);
    expect(authorization.credential).toBe('AKIDEXAMPLE/20261130/us-east-1/bedrock/aws4_request');
    expect(authorization.signedHeaders).toEqual([
      'accept',
      'content-type',
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
      'x-team',
    ]);
    expect(authorization.signature).toBe(
      expectedSignature({
        ...request,
        headers,
        signedHeaders: authorization.signedHeaders,
        amzDate: '20261130T021411Z',
        region: 'us-east-1',
        secret: credentials.secretAccessKey,
      }),
    );
    // The headers given are sent as given.
    expect(headers).toMatchObject(request.headers);
  });

  it('sends and signs the session token of temporary credentials', async () => {
    const signer = new BedrockSigner('eu-west-3', { ...credentials, sessionToken: 'FwoGZXIvYXdzEXAMPLE' });
    const headers = await signer.sign(request, signingDate);
    expect(headers['x-amz-security-token']).toBe('FwoGZXIvYXdzEXAMPLE');
    const authorization = parseAuthorization(headers.authorization!);
    expect(authorization.credential).toBe('AKIDEXAMPLE/20261130/eu-west-3/bedrock/aws4_request');
    expect(authorization.signedHeaders).toContain('x-amz-security-token');
    expect(authorization.signature).toBe(
      expectedSignature({
        ...request,
        headers,
        signedHeaders: authorization.signedHeaders,
        amzDate: '20261130T021411Z',
        region: 'eu-west-3',
        secret: credentials.secretAccessKey,
      }),
    );
  });

  it('gives another signature for another path or body', async () => {
    const signer = new BedrockSigner('us-east-1', credentials);
    const signatureOf = async (change: Partial<typeof request>) =>
      parseAuthorization((await signer.sign({ ...request, ...change }, signingDate)).authorization!)
        .signature;
    const original = await signatureOf({});
    expect(
      await signatureOf({ path: '/model/us.anthropic.claude-3-5-sonnet-20241022-v2:0/invoke' }),
    ).not.toBe(original);
    expect(await signatureOf({ body: '{}' })).not.toBe(original);
  });
});
