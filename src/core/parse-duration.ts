const DURATION_PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

const MILLISECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  // Retention periods (`log.retention: 30d`) are counted in days.
  d: 86_400_000,
};

/**
 * Parses a config duration into milliseconds: a string such as `250ms`, `30s`, `1.5m`, `1h`, `30d`,
 * or a plain number (or digit string) meaning milliseconds.
 * Returns `undefined` for anything else, so callers can report the field that holds it.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = MILLISECONDS_PER_UNIT[match[2] ?? ''];
  if (unit === undefined) return undefined;
  return Math.round(amount * unit);
}
