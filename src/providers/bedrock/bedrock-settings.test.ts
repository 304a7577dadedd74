import { describe, expect, it } from 'vitest';
import { resolveBedrockSettings } from './bedrock-settings.js';

const awsEnv = {
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'AKIA-ENV',
  AWS_SECRET_ACCESS_KEY: 'env-secret',
  AWS_SESSION_TOKEN: 'env-token',
};

describe('resolveBedrockSettings', () => {
  it('reads region and credentials from the environment when the config leaves them out', () => {
    expect(resolveBedrockSettings('br', { protocol: 'bedrock' }, awsEnv)).toEqual({
      origin: 'https://bedrock-runtime.eu-central-1.amazonaws.com',
      basePath: '',
      headers: {},
      auth: {
        type: 'sigv4',
        region: 'eu-central-1',
        credentials: { accessKeyId: 'AKIA-ENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' },
      },
    });
  });

  it('prefers the config, and never mixes a config key with the environment’s session token', () => {
    const resolved = resolveBedrockSettings(
      'br',
      { protocol: 'bedrock', region: 'us-west-2', accessKeyId: 'AKIA-CONF', secretAccessKey: 'conf-secret' },
      awsEnv,
    );
    expect(resolved.origin).toBe('https://bedrock-runtime.us-west-2.amazonaws.com');
    expect(resolved.auth).toEqual({
      type: 'sigv4',
      region: 'us-west-2',
      credentials: { accessKeyId: 'AKIA-CONF', secretAccessKey: 'conf-secret' },
    });
  });

  it('takes a base URL with its path, still signing for the region', () => {
    const resolved = resolveBedrockSettings(
      'br',
      { protocol: 'bedrock', baseUrl: 'http://127.0.0.1:9000/hosts/br/', headers: { 'X-Team': 'a' } },
      awsEnv,
    );
    expect(resolved).toMatchObject({
      origin: 'http://127.0.0.1:9000',
      basePath: '/hosts/br',
      headers: { 'x-team': 'a' },
      auth: { type: 'sigv4', region: 'eu-central-1' },
    });
  });

  it('uses a Bedrock API key instead of signing, needing no region with a base URL', () => {
    expect(
      resolveBedrockSettings(
        'br',
        { protocol: 'bedrock', baseUrl: 'https://proxy.example', apiKey: 'bk-1' },
        {},
      ),
    ).toMatchObject({ origin: 'https://proxy.example', auth: { type: 'bearer', token: 'bk-1' } });
  });

  it('refuses a provider without a region, naming it', () => {
    expect(() => resolveBedrockSettings('br-east', { protocol: 'bedrock', apiKey: 'bk-1' }, {})).toThrow(
      'provider br-east (bedrock): no AWS region: set region in its config or AWS_REGION in the environment',
    );
    expect(() =>
      resolveBedrockSettings('br-east', { protocol: 'bedrock', baseUrl: 'http://x' }, { AWS_REGION: '' }),
    ).toThrow(/provider br-east \(bedrock\): no AWS region/);
  });

  it('takes an empty AWS_SESSION_TOKEN as unset', () => {
    const settings = resolveBedrockSettings(
      'br-east',
      { protocol: 'bedrock' },
      {
        AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'AKIA-ENV',
        AWS_SECRET_ACCESS_KEY: 's',
        AWS_SESSION_TOKEN: '',
      },
    );
    expect(settings.auth).toStrictEqual({
      type: 'sigv4',
      region: 'eu-central-1',
      credentials: { accessKeyId: 'AKIA-ENV', secretAccessKey: 's' },
    });
  });

  it('says exactly where credentials go when it has none', () => {
    expect(() => resolveBedrockSettings('br-east', { protocol: 'bedrock', region: 'us-east-1' }, {})).toThrow(
      new Error(
        'provider br-east (bedrock): no credentials: an access key id is missing; set accessKeyId and secretAccessKey (or apiKey) in its config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment',
      ),
    );
  });

  it('takes a config secret without its key id as the config’s half, not the environment’s keys', () => {
    expect(() =>
      resolveBedrockSettings(
        'br-east',
        { protocol: 'bedrock', region: 'us-east-1', secretAccessKey: 's' },
        awsEnv,
      ),
    ).toThrow(
      new Error(
        'provider br-east (bedrock): no credentials: an access key id is missing; accessKeyId and secretAccessKey go together in its config',
      ),
    );
  });

  it('refuses a provider without credentials, naming it and not the half it has', () => {
    const attempt = (config: object, env: Record<string, string>) => () =>
      resolveBedrockSettings('br-east', { protocol: 'bedrock', region: 'us-east-1', ...config }, env);
    expect(attempt({}, {})).toThrow(
      /^provider br-east \(bedrock\): no credentials: an access key id is missing/,
    );
    expect(attempt({}, { AWS_ACCESS_KEY_ID: 'AKIA-HALF' })).toThrow(/a secret access key is missing/);
    expect(attempt({}, { AWS_ACCESS_KEY_ID: 'AKIA-HALF' })).not.toThrow(/AKIA-HALF/);
    // A config key id does not borrow the environment's secret.
    expect(attempt({ accessKeyId: 'AKIA-CONF-ONLY' }, awsEnv)).toThrow(
      /a secret access key is missing; accessKeyId and secretAccessKey go together/,
    );
    expect(attempt({ secretAccessKey: 'only-secret-value' }, awsEnv)).not.toThrow(/only-secret-value/);
  });
});
