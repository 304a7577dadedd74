import type { GoogleTokenIssuer } from './google-token-endpoint.js';

/** AWS credentials, as SigV4 signs with them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Required on the request when set (temporary credentials). */
  sessionToken?: string;
}

/** The credentials simulated hosts accept, per vendor. */
export interface SimCredentials {
  /** AWS key pairs Bedrock hosts accept in SigV4 signatures. */
  aws: AwsCredentials[];
  /** Bedrock API keys, accepted as `Authorization: Bearer <key>`. */
  bedrockApiKeys: string[];
  /**
   * Gemini API keys (`x-goog-api-key` or `?key=`); when absent, any non-empty key not starting with
   * `bad` (so a test writes `bad-…` for a rejected key).
   */
  geminiApiKeys?: string[];
  /** Azure OpenAI keys (`api-key` or `Authorization: Bearer`); when absent, as for Gemini. */
  azureApiKeys?: string[];
  /**
   * The Google token endpoint: its service accounts and the access tokens it issued, which are what
   * Vertex AI hosts accept. The simulator makes its own; pass one only to share it between simulators.
   */
  googleTokenIssuer?: GoogleTokenIssuer;
}

/** The AWS key pair Bedrock hosts accept unless told otherwise; made up, valid nowhere else. */
export const SIM_AWS_CREDENTIALS: Readonly<AwsCredentials> = Object.freeze({
  accessKeyId: 'AKIASIMULATOR0000001',
  secretAccessKey: 'simulator/secret/access/key/0000000000001',
});

/** The Bedrock API key Bedrock hosts accept unless told otherwise. */
export const SIM_BEDROCK_API_KEY = 'ABSKsimulator-bedrock-api-key';

/** The credentials in force: the given ones, each vendor's defaults where none are given. */
export function simCredentials(given: Partial<SimCredentials> = {}): SimCredentials {
  return {
    ...given,
    aws: given.aws ?? [SIM_AWS_CREDENTIALS],
    bedrockApiKeys: given.bedrockApiKeys ?? [SIM_BEDROCK_API_KEY],
  };
}
