/**
 * Where a CPU profile's time goes, by package, idle excluded: `tsx bench/summarise-profile.ts FILE.cpuprofile`.
 * Take the profile with `node --cpu-prof --cpu-prof-dir=DIR dist/cli/main.js start ...` under load.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const file = process.argv[2];
if (file === undefined) throw new Error('usage: tsx bench/summarise-profile.ts FILE.cpuprofile');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

function groupOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === 'writev' || functionName === 'writeUtf8String' || functionName === 'writeBuffer')
      return 'socket writes (syscalls)';
    return `native: ${functionName}`;
  }
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return pkg[1]!;
  if (url.includes('/dist/')) return 'detour';
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  return url;
}

const counts = new Map<string, number>();
let busy = 0;
for (const id of profile.samples) {
  const group = groupOf(byId.get(id)!);
  if (group === '(idle)') continue;
  busy += 1;
  counts.set(group, (counts.get(group) ?? 0) + 1);
}
const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 14);
process.stdout.write('| where | share of busy CPU |\n| --- | --- |\n');
for (const [group, count] of rows)
  process.stdout.write(`| ${group} | ${((100 * count) / busy).toFixed(1)} % |\n`);
