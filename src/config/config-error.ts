/** One problem found in a config file. */
export interface ConfigIssue {
  /** The file as it was named to the loader. */
  file: string;
  /** 1-based line, when the problem has a place in the file. */
  line: number | undefined;
  /** 1-based column, when the problem has a place in the file. */
  column: number | undefined;
  /** Dotted path of the key at fault (`models.gpt-5.deployments[0].provider`); empty for the whole file. */
  key: string;
  /** What is wrong; never contains a secret value. */
  message: string;
}

/** Renders one issue as `file:line:col: key: message`, the form editors and terminals link. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const place = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return issue.key === '' ? `${place}: ${issue.message}` : `${place}: ${issue.key}: ${issue.message}`;
}

/**
 * A config file could not be loaded. `file`, `line`, `column` and `key` describe the first
 * problem; `issues` holds every problem found, in file order, and `message` lists them all.
 */
export class ConfigError extends Error {
  /** Every problem, in file order; never empty. */
  readonly issues: readonly ConfigIssue[];
  /** The file of the first problem. */
  readonly file: string;
  /** Line of the first problem. */
  readonly line: number | undefined;
  /** Column of the first problem. */
  readonly column: number | undefined;
  /** Key of the first problem. */
  readonly key: string;

  constructor(issues: readonly ConfigIssue[], options: { cause?: unknown } = {}) {
    if (issues.length === 0) throw new TypeError('ConfigError needs at least one issue');
    const sorted = [...issues].sort(compareIssues);
    super(
      sorted.map(formatConfigIssue).join('\n'),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'ConfigError';
    this.issues = sorted;
    const first = sorted[0]!;
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
    this.key = first.key;
  }

  /** Every problem as `file:line:col: key: message`, one per line. */
  override toString(): string {
    return this.message;
  }
}

function compareIssues(left: ConfigIssue, right: ConfigIssue): number {
  return (left.line ?? 0) - (right.line ?? 0) || (left.column ?? 0) - (right.column ?? 0);
}
