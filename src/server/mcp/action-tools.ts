import { z } from 'zod';
import type { AdminAction } from '../routes/admin.js';
import { callAdmin, confirmRequired, defineTool, success } from './define-tool.js';

/** Actions change routing or access for every client: an agent must say it means it. */
const ACTION = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

const confirm = z
  .boolean()
  .optional()
  .describe('Must be true: without it the tool refuses and changes nothing');

const deployment = z.string().min(1).describe('Deployment id, `provider/upstream-model` (see list_models)');

/** A tool for one switch of `POST /admin/deployments/:action` on one deployment. */
function deploymentAction(name: string, action: AdminAction, title: string, effect: string, more: string) {
  return defineTool({
    name,
    title,
    description: `${title}: ${effect}. ${more} Requires confirm: true.`,
    input: { deployment, confirm },
    annotations: ACTION,
    async run(input, api) {
      if (input.confirm !== true) return confirmRequired(name, `${effect} '${input.deployment}'`);
      const outcome = await callAdmin(api, 'POST', `/admin/deployments/${action}`, {
        deployment: input.deployment,
      });
      if (!outcome.ok) return outcome.result;
      return success(outcome.body);
    },
  });
}

export const drainDeployment = deploymentAction(
  'drain_deployment',
  'drain',
  'Drain a deployment',
  'stop sending new requests to',
  'Requests in flight finish; its models fail over to their other deployments. Undo with enable_deployment.',
);

export const enableDeployment = deploymentAction(
  'enable_deployment',
  'enable',
  'Enable a deployment',
  'undo drain, force-enable and config-fault disable of',
  'Its breaker keeps its own state: an ejected deployment still waits for its probe.',
);

export const forceEnableDeployment = deploymentAction(
  'force_enable_deployment',
  'force-enable',
  'Force-enable a deployment',
  'always admit traffic to, ignoring its breaker and ejection,',
  'For when the breaker is wrong; undo with enable_deployment.',
);

const bodyTime = z
  .union([z.number().int().min(0), z.string().min(1)])
  .describe('Epoch ms, or ISO 8601 with an offset');

export const createKey = defineTool({
  name: 'create_key',
  title: 'Create a client key',
  description:
    'Creates a client key for the /v1 API with a name and optional scopes: model globs, requests and tokens ' +
    'per minute, a USD budget per day/week/month/total, an expiry. The secret is in this answer only, once: ' +
    'Detour stores its hash.',
  input: {
    name: z.string().min(1).max(200),
    models: z.array(z.string().min(1)).optional().describe('Model globs it may call; absent: every model'),
    rpm: z.number().int().min(1).optional().describe('Requests per minute'),
    tpm: z.number().int().min(1).optional().describe('Tokens per minute'),
    budget: z
      .strictObject({ usd: z.number().positive(), period: z.enum(['day', 'week', 'month', 'total']) })
      .optional(),
    expiresAt: bodyTime.optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async run(input, api) {
    const outcome = await callAdmin(api, 'POST', '/admin/keys', input);
    if (!outcome.ok) return outcome.result;
    return success({
      ...(outcome.body as object),
      note: 'The secret is shown this once and cannot be read again; rotate the key if it is lost.',
    });
  },
});

export const revokeKey = defineTool({
  name: 'revoke_key',
  title: 'Revoke a client key',
  description:
    'Revokes a client key by id (`key_…`): every request with it is refused from now on, at once. ' +
    'Cannot be undone. Requires confirm: true.',
  input: { id: z.string().min(1).describe('Client key id, `key_…`'), confirm },
  annotations: ACTION,
  async run(input, api) {
    if (input.confirm !== true) return confirmRequired('revoke_key', `revoke client key '${input.id}'`);
    const outcome = await callAdmin(api, 'POST', `/admin/keys/${encodeURIComponent(input.id)}/revoke`);
    if (!outcome.ok) return outcome.result;
    return success(outcome.body);
  },
});
