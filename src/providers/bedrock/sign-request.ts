import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './bedrock-settings.js';

/** Bedrock's signing name: the credential scope says `bedrock`, not `bedrock-runtime`. */
const SIGNING_SERVICE = 'bedrock';

/** An unsigned request as it will go on the wire. */
export interface UnsignedRequest {
  /** Scheme, host and port. */
  origin: string;
  /** Path exactly as sent (already percent-encoded). */
  path: string;
  /** Every header that will be sent, lower-case names; `host` included. */
  headers: Record<string, string>;
  /** Body text. */
  body: string;
}

/** Signs requests to one region's Bedrock with one set of credentials (SigV4). */
export class BedrockSigner {
  private readonly signer: SignatureV4;

  constructor(region: string, credentials: AwsCredentials) {
    this.signer = new SignatureV4({
      service: SIGNING_SERVICE,
      region,
      credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
  }

  /**
   * The headers with `authorization`, `x-amz-date`, `x-amz-content-sha256` and (with temporary
   * credentials) `x-amz-security-token` added. Every header given is signed, so the caller must
   * send exactly these, and the path exactly as given: the host re-signs what it receives.
   */
  async sign(request: UnsignedRequest, signingDate?: Date): Promise<Record<string, string>> {
    const url = new URL(request.origin);
    const unsigned = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: request.path,
      headers: request.headers,
      body: request.body,
    });
    const signed = await this.signer.sign(unsigned, signingDate === undefined ? {} : { signingDate });
    return signed.headers;
  }
}
