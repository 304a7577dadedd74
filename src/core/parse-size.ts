const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)$/;

// Binary multiples: `20mb` means 20 MiB, as in Fastify's and body-parser's limits.
const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Parses a config size into bytes: a string such as `512kb`, `20mb`, `1gb` (binary multiples,
 * case-insensitive), or a plain number (or digit string) of bytes.
 * Returns `undefined` for anything else.
 */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  const text = value.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  const match = SIZE_PATTERN.exec(text);
  if (match === null) return undefined;
  const unit = BYTES_PER_UNIT[match[2] ?? ''];
  if (unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}
