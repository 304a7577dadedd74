import type { IncomingHttpHeaders } from 'node:http';
import type { WireProtocol } from '../../core/index.js';
import type { SseMessage, UpstreamErrorDetails } from '../../protocols/index.js';
import type { OutgoingBody, PreparedCall, Provider } from '../provider-kind.js';
import {
  type BedrockEnvironment,
  type BedrockSettings,
  type ResolvedBedrockSettings,
  resolveBedrockSettings,
} from './bedrock-settings.js';
import { bedrockPath, toConverseBody, toInvokeModelBody } from './build-request.js';
import { BEDROCK_ERROR_CLASSES, readBedrockErrorDetails } from './classify-error.js';
import { readBedrockEventStream } from './read-event-stream.js';
import { BedrockSigner, type UnsignedRequest } from './sign-request.js';
import { bedrockWireFor } from './wire-for-model.js';

export type { BedrockEnvironment, BedrockSettings } from './bedrock-settings.js';
export { BEDROCK_ANTHROPIC_VERSION } from './build-request.js';
export { BEDROCK_ERROR_CLASSES } from './classify-error.js';
export { bedrockWireFor } from './wire-for-model.js';

/**
 * Amazon Bedrock's runtime in one region: Anthropic models through InvokeModel with Anthropic
 * Messages bodies, every other model through Converse (see {@link bedrockWireFor}); SigV4 or a
 * Bedrock API key; answers streamed as AWS event streams.
 */
export class BedrockProvider implements Provider {
  readonly kind = 'bedrock' as const;
  readonly name: string;
  readonly endpoint: string;
  readonly vendorErrorClasses = BEDROCK_ERROR_CLASSES;
  private readonly settings: ResolvedBedrockSettings;
  private readonly host: string;
  /** Adds the credentials to a request's headers: a SigV4 signature, or the API key. */
  private readonly authorize: (request: UnsignedRequest) => Promise<Record<string, string>>;

  /**
   * @param env where region and credentials come from when the config leaves them out (tests
   *   pass their own); throws, naming the provider, when either is missing.
   */
  constructor(name: string, settings: BedrockSettings, env: BedrockEnvironment = process.env) {
    this.name = name;
    this.settings = resolveBedrockSettings(name, settings, env);
    this.endpoint = `${this.settings.origin}${this.settings.basePath}`;
    this.host = new URL(this.settings.origin).host;
    const { auth } = this.settings;
    if (auth.type === 'sigv4') {
      const signer = new BedrockSigner(auth.region, auth.credentials);
      this.authorize = (request) => signer.sign(request);
    } else {
      const authorization = `Bearer ${auth.token}`;
      this.authorize = async (request) => ({ ...request.headers, authorization });
    }
  }

  wireFor(upstreamModel: string): WireProtocol {
    return bedrockWireFor(upstreamModel);
  }

  async prepareCall(outgoing: OutgoingBody): Promise<PreparedCall> {
    const wire = this.wireFor(outgoing.upstreamModel);
    const body =
      wire === 'anthropic-messages'
        ? toInvokeModelBody(outgoing.body, outgoing.clientHeaders)
        : toConverseBody(outgoing.body);
    const path = bedrockPath(this.settings.basePath, outgoing.upstreamModel, wire, outgoing.stream);
    const bodyText = JSON.stringify(body);
    // `host` is set here, not left to the transport, so that the header signed is the one sent.
    const headers: Record<string, string> = {
      ...this.settings.headers,
      host: this.host,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const { origin } = this.settings;
    const authorized = await this.authorize({ origin, path, headers, body: bodyText });
    return { origin, path, headers: authorized, body: bodyText };
  }

  readStream(body: AsyncIterable<Buffer | string>, upstreamModel: string): AsyncIterable<SseMessage> {
    return readBedrockEventStream(body, this.wireFor(upstreamModel), this.name);
  }

  readErrorDetails(
    _model: string,
    headers: IncomingHttpHeaders,
    parsed: unknown,
    text: string,
  ): UpstreamErrorDetails {
    return readBedrockErrorDetails(headers, parsed, text);
  }
}
