import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials, SimCredentials } from './sim-credentials.js';
import type { SimHttpRequest, VendorErrorSpec } from './sim-wire.js';

/** `AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/bedrock/aws4_request, SignedHeaders=a;b, Signature=hex`. */
const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** `x-amz-date`: basic ISO 8601. */
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Bedrock's signing name, in the credential scope (not `bedrock-runtime`). */
const SIGNING_SERVICE = 'bedrock';

function deny(errorType: string, message?: string, status = 403): VendorErrorSpec {
  const spec: VendorErrorSpec = { status, errorType };
  if (message !== undefined) spec.message = message;
  return spec;
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The signed headers as received; on HTTP/2 `host` is the `:authority` pseudo-header. */
function signedHeaders(request: SimHttpRequest, names: string[]): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value =
      headerOf(request.headers, name) ??
      (name === 'host' ? headerOf(request.headers, ':authority') : undefined);
    if (value === undefined) return undefined;
    headers[name] = value;
  }
  return headers;
}

function queryOf(target: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const at = target.indexOf('?');
  if (at < 0) return query;
  for (const [name, value] of new URLSearchParams(target.slice(at + 1))) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/**
 * Verifies a SigV4 signature by signing the request again with the secret on file: over the raw path
 * as received (SigV4 escapes it once more, so decoding it first breaks the AWS SDK's `%3A`), the
 * signed headers only, and the body's hash as `x-amz-content-sha256` claims it, which is checked
 * on its own because the signer trusts that header.
 */
async function verifySigV4(request: SimHttpRequest, authorization: string, accepted: AwsCredentials[]) {
  const parsed = SIGV4_AUTHORIZATION.exec(authorization);
  if (parsed === null)
    return deny('IncompleteSignatureException', 'Authorization header requires valid SigV4.', 400);
  const [, accessKeyId = '', day = '', region = '', service = '', signedList = '', signature = ''] = parsed;
  const pair = accepted.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (pair === undefined) return deny('UnrecognizedClientException');
  const sessionToken = headerOf(request.headers, 'x-amz-security-token');
  if (sessionToken !== pair.sessionToken) return deny('UnrecognizedClientException');
  if (service !== SIGNING_SERVICE)
    return deny(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${SIGNING_SERVICE}'.`,
    );
  const date = AMZ_DATE.exec(headerOf(request.headers, 'x-amz-date') ?? '');
  if (date === null || !date[0].startsWith(day))
    return deny(
      'IncompleteSignatureException',
      'Date must be in ISO-8601 basic format, matching the scope.',
      400,
    );
  const [, year, month, dayOfMonth, hours, minutes, seconds] = date.map(Number);
  const signingDate = new Date(
    Date.UTC(year ?? 0, (month ?? 1) - 1, dayOfMonth ?? 1, hours ?? 0, minutes ?? 0, seconds ?? 0),
  );

  const names = signedList.split(';');
  const headers = signedHeaders(request, names);
  if (headers === undefined) return deny('InvalidSignatureException');
  const claimedHash = headers['x-amz-content-sha256'];
  if (claimedHash !== undefined && claimedHash !== createHash('sha256').update(request.body).digest('hex'))
    return deny('InvalidSignatureException');

  const signer = new SignatureV4({
    service,
    region,
    credentials: sessionToken === undefined ? pair : { ...pair, sessionToken },
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const target = request.target;
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: (headers.host ?? headers[':authority'] ?? '').replace(/:\d+$/, ''),
      path: target.split('?')[0] ?? '/',
      query: queryOf(target),
      headers,
      body: request.body,
    }),
    { signingDate, signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  return sameText(expected, signature) ? undefined : deny('InvalidSignatureException');
}

/**
 * Bedrock's authentication: a SigV4 signature by one of the accepted AWS key pairs, or a Bedrock API
 * key as a bearer token. Failures answer 403 with the exception AWS names in `x-amzn-ErrorType`:
 * `UnrecognizedClientException` for an unknown key or session token, `InvalidSignatureException`
 * for a signature that does not match. The signing time is not checked against the clock.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
export async function authenticateBedrockRequest(
  request: SimHttpRequest,
  credentials: SimCredentials,
): Promise<VendorErrorSpec | undefined> {
  const authorization = headerOf(request.headers, 'authorization');
  if (authorization === undefined)
    return deny('MissingAuthenticationTokenException', 'Missing Authentication Token');
  if (authorization.startsWith('Bearer ')) {
    const key = authorization.slice('Bearer '.length);
    return credentials.bedrockApiKeys.some((accepted) => sameText(accepted, key))
      ? undefined
      : deny('UnrecognizedClientException');
  }
  return verifySigV4(request, authorization, credentials.aws);
}
