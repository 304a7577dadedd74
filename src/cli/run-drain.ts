import { parseArgs } from 'node:util';
import type { DeploymentHealthRow } from '../server/index.js';
import { callAdmin, printJson } from './admin-client.js';
import { EXIT } from './exit-codes.js';
import { formatHealthTable } from './run-health.js';

const OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
  model: { type: 'string' },
  provider: { type: 'string' },
} as const;

/**
 * `detour drain|enable DEPLOYMENT | --model M | --provider P`: takes deployments out of rotation
 * (drain) or undoes every manual switch (enable) over `POST /admin/deployments/drain|enable`, then
 * prints the health of the deployments it changed.
 */
export async function runDrain(action: 'drain' | 'enable', argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const selectors = [
    ...positionals.map((deployment) => ({ deployment })),
    ...(values.model === undefined ? [] : [{ model: values.model }]),
    ...(values.provider === undefined ? [] : [{ provider: values.provider }]),
  ];
  const selector = selectors[0];
  if (selector === undefined || selectors.length > 1) {
    process.stderr.write(
      `detour ${action}: give exactly one of DEPLOYMENT (provider/model), --model MODEL or --provider PROVIDER\n`,
    );
    return EXIT.usage;
  }
  const result = await callAdmin<{ action: string; now: number; deployments: DeploymentHealthRow[] }>(
    action,
    values,
    `/admin/deployments/${action}`,
    { method: 'POST', body: selector },
  );
  if (!result.ok) return result.exitCode;
  if (values.json === true) printJson(result.body);
  else {
    const verb = action === 'drain' ? 'Drained' : 'Enabled';
    process.stdout.write(
      `${verb} ${result.body.deployments.length} deployment(s):\n${formatHealthTable(result.body.deployments, result.body.now)}`,
    );
  }
  return EXIT.ok;
}
