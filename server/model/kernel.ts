import { nameProblem } from "./names";

/** The kernels umlab knows by itself; any other kernel choice names a custom kernel. */
export const BUILTIN_KERNELS = ["fast", "debian"] as const;

/**
 * A custom kernel's name (`umlab kernel build NAME --fragment FILE`): a name
 * like any other (it ends up in file names), and not one of umlab's own.
 */
export function customKernelNameProblem(name: string): string | null {
  if ((BUILTIN_KERNELS as readonly string[]).includes(name)) return `"${name}" is umlab's own kernel: give a custom kernel another name`;
  return nameProblem(name);
}

/** A node's or lab's `kernel:`: fast, debian, or the name of a custom kernel. */
export function kernelChoiceProblem(choice: string): string | null {
  if ((BUILTIN_KERNELS as readonly string[]).includes(choice)) return null;
  const p = nameProblem(choice);
  return p && `${p}; a kernel is fast, debian or the name of a custom kernel`;
}
