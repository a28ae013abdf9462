/**
 * Names of labs, nodes and switches end up in file names, socket paths,
 * UML umids and kernel command lines, so they are kept to a safe alphabet
 * and length (socket paths must stay under 108 bytes).
 */
export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;

export function nameProblem(name: string): string | null {
  if (NAME_PATTERN.test(name)) return null;
  return `"${name}" is not a valid name: use 1-31 characters, lower-case letters, digits and "-", starting with a letter`;
}

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}
