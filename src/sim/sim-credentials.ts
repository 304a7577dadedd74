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
}

/**
 * The AWS key pair Bedrock hosts accept unless told otherwise; made up, valid nowhere else. Not
 * frozen: the AWS SDK marks the credentials object it is given with where they came from.
 */
export const SIM_AWS_CREDENTIALS: Readonly<AwsCredentials> = {
  accessKeyId: 'AKIASIMULATOR0000001',
  secretAccessKey: 'simulator/secret/access/key/0000000000001',
};

/** The Bedrock API key Bedrock hosts accept unless told otherwise. */
export const SIM_BEDROCK_API_KEY = 'ABSKsimulator-bedrock-api-key';

/** The credentials in force: the given ones, each vendor's defaults where none are given. */
export function simCredentials(given: Partial<SimCredentials> = {}): SimCredentials {
  return {
    aws: given.aws ?? [SIM_AWS_CREDENTIALS],
    bedrockApiKeys: given.bedrockApiKeys ?? [SIM_BEDROCK_API_KEY],
  };
}
