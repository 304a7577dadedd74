import { describe, expect, it } from 'vitest';
import { bedrockWireFor } from './wire-for-model.js';

describe('bedrockWireFor', () => {
  it.each([
    'anthropic.claude-3-5-sonnet-20241022-v2:0',
    'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
    'eu.anthropic.claude-sonnet-4-20250514-v1:0',
    'apac.anthropic.claude-3-haiku-20240307-v1:0',
    'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'jp.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0',
    'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0',
  ])('sends Anthropic model %s as Anthropic Messages through InvokeModel', (modelId) => {
    expect(bedrockWireFor(modelId)).toBe('anthropic-messages');
  });

  it.each([
    'amazon.nova-pro-v1:0',
    'us.amazon.nova-lite-v1:0',
    'meta.llama3-1-70b-instruct-v1:0',
    'us.meta.llama3-2-11b-instruct-v1:0',
    'mistral.mistral-large-2407-v1:0',
    'us.deepseek.r1-v1:0',
    // The word alone is not the vendor segment.
    'amazon.anthropic-lookalike-v1:0',
    'my.custom.anthropic.model',
    // A geography prefix is two to six letters, then a dot.
    'privatex.anthropic.claude-3-haiku-20240307-v1:0',
    'us_anthropic.claude-3-haiku-20240307-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0',
    // An application inference profile's id says nothing about its model: Converse serves any.
    'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6',
    'arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abcdef123456',
    'arn:aws:bedrock',
    // Fewer than the ARN's five fixed fields: no resource id at all.
    'arn:aws/anthropic.claude-3-haiku-20240307-v1:0',
    'arn:aws:bedrock:us-east-1/anthropic.claude-3-haiku-20240307-v1:0',
  ])('sends %s through Converse', (modelId) => {
    expect(bedrockWireFor(modelId)).toBe('bedrock-converse');
  });
});
