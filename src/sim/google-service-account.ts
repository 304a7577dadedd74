import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';

/**
 * A Google service-account key file, field for field as the Cloud console downloads it.
 * @see https://cloud.google.com/iam/docs/keys-create-delete
 */
export interface GoogleServiceAccount {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  /** PKCS#8 PEM. */
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  /** Where the JWT-bearer grant goes: the simulator's token endpoint for accounts it made. */
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

/** A fresh service account: its key file and the public half of its key, for verifying grants. */
export interface GeneratedServiceAccount {
  account: GoogleServiceAccount;
  publicKey: KeyObject;
}

/** Makes a service account with a new 2048-bit RSA key whose grants go to `tokenUri`. */
export function generateServiceAccount(options: {
  tokenUri: string;
  projectId: string;
  name: string;
}): GeneratedServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const email = `${options.name}@${options.projectId}.iam.gserviceaccount.com`;
  const account: GoogleServiceAccount = {
    type: 'service_account',
    project_id: options.projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: BigInt(`0x${randomBytes(8).toString('hex')}`).toString(),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: options.tokenUri,
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    universe_domain: 'googleapis.com',
  };
  return { account, publicKey };
}
