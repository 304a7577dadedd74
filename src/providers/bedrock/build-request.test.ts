import { describe, expect, it } from 'vitest';
import {
  BEDROCK_ANTHROPIC_VERSION,
  bedrockPath,
  toConverseBody,
  toInvokeModelBody,
} from './build-request.js';

describe('bedrockPath', () => {
  it('names the operation by wire format and streaming', () => {
    expect(bedrockPath('', 'anthropic.claude-v2', 'anthropic-messages', false)).toBe(
      '/model/anthropic.claude-v2/invoke',
    );
    expect(bedrockPath('', 'anthropic.claude-v2', 'anthropic-messages', true)).toBe(
      '/model/anthropic.claude-v2/invoke-with-response-stream',
    );
    expect(bedrockPath('', 'amazon.nova-pro-v1', 'bedrock-converse', false)).toBe(
      '/model/amazon.nova-pro-v1/converse',
    );
    expect(bedrockPath('', 'amazon.nova-pro-v1', 'bedrock-converse', true)).toBe(
      '/model/amazon.nova-pro-v1/converse-stream',
    );
  });

  it('encodes the model id as one path segment, as the AWS SDK does', () => {
    expect(bedrockPath('', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic-messages', false)).toBe(
      '/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/invoke',
    );
    expect(
      bedrockPath(
        '',
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0',
        'bedrock-converse',
        true,
      ),
    ).toBe(
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.amazon.nova-pro-v1%3A0/converse-stream',
    );
    expect(bedrockPath('', "odd(id)!*'", 'bedrock-converse', false)).toBe(
      '/model/odd%28id%29%21%2A%27/converse',
    );
  });

  it('keeps a base URL path prefix', () => {
    expect(bedrockPath('/proxy/bedrock', 'amazon.nova-pro-v1:0', 'bedrock-converse', false)).toBe(
      '/proxy/bedrock/model/amazon.nova-pro-v1%3A0/converse',
    );
  });
});

describe('toInvokeModelBody', () => {
  const body = {
    model: 'us.anthropic.claude-x',
    stream: true,
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
    unknown_field: { kept: true },
  };

  it('drops model and stream and sets Bedrock’s anthropic_version', () => {
    expect(toInvokeModelBody(body, {})).toEqual({
      anthropic_version: BEDROCK_ANTHROPIC_VERSION,
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      unknown_field: { kept: true },
    });
    expect(BEDROCK_ANTHROPIC_VERSION).toBe('bedrock-2023-05-31');
  });

  it('overrides an anthropic_version the body carried', () => {
    expect(toInvokeModelBody({ ...body, anthropic_version: '2023-06-01' }, {}).anthropic_version).toBe(
      'bedrock-2023-05-31',
    );
  });

  it('moves the anthropic-beta header into the body’s anthropic_beta, once each', () => {
    const result = toInvokeModelBody(
      { ...body, anthropic_beta: ['a-2025'] },
      { 'anthropic-beta': 'b-2025, a-2025,c-2025' },
    );
    expect(result.anthropic_beta).toEqual(['a-2025', 'b-2025', 'c-2025']);
    expect(toInvokeModelBody(body, { 'anthropic-beta': ['x', 'y,z'] }).anthropic_beta).toEqual([
      'x',
      'y',
      'z',
    ]);
    expect(toInvokeModelBody(body, { 'anthropic-beta': ' , ' })).not.toHaveProperty('anthropic_beta');
  });

  it('merges nothing from an anthropic_beta in the body that is not a list, nor betas that are not strings', () => {
    // Left as the client sent it: no list to merge into.
    expect(toInvokeModelBody({ ...body, anthropic_beta: 'ab' }, {}).anthropic_beta).toBe('ab');
    expect(
      toInvokeModelBody({ ...body, anthropic_beta: 'ab' }, { 'anthropic-beta': 'x' }).anthropic_beta,
    ).toStrictEqual(['x']);
    expect(toInvokeModelBody({ ...body, anthropic_beta: ['a', 7] }, {}).anthropic_beta).toStrictEqual(['a']);
  });

  it('does not change the body it was given', () => {
    const copy = structuredClone(body);
    toInvokeModelBody(body, { 'anthropic-beta': 'x' });
    expect(body).toEqual(copy);
  });
});

describe('toConverseBody', () => {
  it('drops model and stream and keeps the rest', () => {
    expect(
      toConverseBody({ model: 'm', stream: false, messages: [], inferenceConfig: { maxTokens: 5 } }),
    ).toEqual({
      messages: [],
      inferenceConfig: { maxTokens: 5 },
    });
  });
});
