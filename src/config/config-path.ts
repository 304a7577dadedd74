/** A location in the config document: map keys and sequence indexes from the root. */
export type ConfigPath = readonly (string | number)[];

/** A problem tied to a location in the document, before it is given a line and column. */
export interface PathIssue {
  /** Where the problem is. */
  path: ConfigPath;
  /** What is wrong; never contains a secret value. */
  message: string;
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Renders a path as `models.gpt-5.deployments[0].provider`. Keys that hold anything but
 * letters, digits, `_` and `-` are quoted (`models["claude-opus-4.7"]`) so a dot in a model
 * name is not read as nesting.
 */
export function formatKeyPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
