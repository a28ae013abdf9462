import type { Position } from "./lab";

// Canvas coordinates are kept to whole pixels so the lab file stays readable.
export const toPosition = (p: [number, number] | undefined): Position => (p ? { x: Math.round(p[0]), y: Math.round(p[1]) } : null);
export const fromPosition = (p: Position): [number, number] | undefined => (p ? [p.x, p.y] : undefined);
