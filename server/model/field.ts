import type { ChangeApply } from "./changes";
import type { FieldPath, Problem } from "./errors";
import type { Position } from "./lab";
import { fromPosition, toPosition } from "./position";

/** One difference between a running definition and the saved one, for a person, and what taking it needs. */
export interface Difference {
  what: string;
  apply: ChangeApply;
}

/**
 * One key of a lab file entity (a node, a switch, ...) and all umlab does
 * with it: read it into the model, write it back with the default left out,
 * and tell a running value from a saved one. R: the file's value; V: the
 * model's; E: what reading and writing need from around the entity (the
 * lab's switches, its kernel).
 */
export interface Field<K extends string, R, V, E> {
  /** The model's name for the value (the file says `mem`, the model `memoryMiB`). */
  key: K;
  resolve(raw: R | undefined, at: FieldPath, problems: Problem[], env: E): V;
  /** undefined: the default, which the file leaves out. */
  serialize(value: V, env: E): R | undefined;
  changes(a: V, b: V): Difference[];
}

/**
 * An entity's fields by the file's key, each filling one model key: a key the
 * schema gains without a rule here does not compile.
 */
export type Fields<R, M, E> = {
  [K in keyof R]-?: { [MK in keyof M & string]: Field<MK, Exclude<R[K], undefined>, M[MK], E> }[keyof M & string];
};

// Method parameters are bivariant, so every field fits this.
type AnyField = Field<string, unknown, unknown, never>;
/** Any entity's fields. */
export type FieldTable = Record<string, AnyField>;
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** What a table's fields need from around the entity, all of them together. */
type EnvOf<T extends FieldTable> = Intersection<Parameters<T[keyof T]["serialize"]>[1]>;
/** The part of the model a table fills: a model key it lacks fails where the entity is built. */
export type Resolved<T extends FieldTable> = { [F in keyof T as T[F]["key"]]: ReturnType<T[F]["resolve"]> };

export function resolveFields<T extends FieldTable>(fields: T, raw: object, at: FieldPath, problems: Problem[], env: EnvOf<T>): Resolved<T> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) out[f.key] = f.resolve((raw as Record<string, never>)[k], [...at, k], problems, env as never);
  return out as Resolved<T>;
}

/** The file's form of an entity, in the table's order, defaults left out. */
export function serializeFields<T extends FieldTable>(fields: T, model: object, env: EnvOf<T>): { [F in keyof T]?: Exclude<Parameters<T[F]["resolve"]>[0], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) {
    const v = f.serialize((model as Record<string, never>)[f.key], env as never);
    if (v !== undefined) out[k] = v;
  }
  return out as never;
}

/** Every difference between two values of an entity, in the table's order. */
export function fieldChanges<T extends FieldTable>(fields: T, a: object, b: object): Difference[] {
  return Object.values(fields).flatMap((f) => f.changes((a as Record<string, never>)[f.key], (b as Record<string, never>)[f.key]));
}

export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface ValueRule<V> {
  /** Left out: the file always has the value. */
  fallback?: V;
  apply: ChangeApply;
  /** "memory 64M → 128M": the label, and how a value reads. */
  label: string;
  show?: (v: V) => string;
  /** A sentence of its own instead of "label a → b". */
  describe?: (a: V, b: V) => string;
  check?: (v: V) => string | null;
}

/** A value the file writes as the model keeps it, left out when it is the default (or null: not set). */
export function value<K extends string, V>(key: K, rule: ValueRule<V>): Field<K, Exclude<V, null>, V, unknown> {
  const show = rule.show ?? String;
  return {
    key,
    resolve(raw, at, problems) {
      if (raw === undefined) return rule.fallback as V;
      const p = rule.check?.(raw);
      if (p) problems.push({ path: at, message: p });
      return raw;
    },
    serialize: (v) => (("fallback" in rule && v === rule.fallback) || v === null ? undefined : (v as Exclude<V, null>)),
    changes: (a, b) => (a === b ? [] : [{ what: rule.describe ? rule.describe(a, b) : `${rule.label} ${show(a)} → ${show(b)}`, apply: rule.apply }]),
  };
}

interface ListRule<T> {
  apply: ChangeApply;
  /** What the list is now; `b` is empty when it was emptied. */
  describe: (b: T[]) => string;
  check?: (item: T) => string | null;
  /** Repeats mean nothing (a start order), so they are dropped. */
  unique?: boolean;
}

/** A list, empty when left out. */
export function list<K extends string, T extends string | number>(key: K, rule: ListRule<T>): Field<K, T[], T[], unknown> {
  return {
    key,
    resolve(raw, at, problems) {
      for (const [i, item] of (raw ?? []).entries()) {
        const p = rule.check?.(item);
        if (p) problems.push({ path: [...at, i], message: p });
      }
      return rule.unique ? [...new Set(raw ?? [])] : [...(raw ?? [])];
    },
    serialize: (v) => (v.length ? [...v] : undefined),
    changes: (a, b) => (a.length === b.length && a.every((x, i) => x === b[i]) ? [] : [{ what: rule.describe(b), apply: rule.apply }]),
  };
}

/** Where an element sits on the canvas: kept in the file, never a change a running lab needs. */
export function position<K extends string>(key: K): Field<K, [number, number], Position, unknown> {
  return { key, resolve: (raw) => toPosition(raw), serialize: fromPosition, changes: () => [] };
}

interface NestedRule<V> {
  apply: ChangeApply;
  /** How it reads once it is there, or gone: "host tap tap0 added". */
  added: (v: V) => string;
  removed: string;
}

/** An optional entity inside another (a switch's tap): null when left out. */
export function optional<K extends string, T extends FieldTable, R extends object>(key: K, fields: T, rule: NestedRule<Resolved<T>>): Field<K, R, Resolved<T> | null, EnvOf<T>> {
  return {
    key,
    resolve: (raw, at, problems, env) => (raw === undefined ? null : resolveFields(fields, raw, at, problems, env)),
    serialize: (v, env) => (v === null ? undefined : (serializeFields(fields, v, env) as R)),
    changes(a, b) {
      if (a === null && b === null) return [];
      if (a === null) return [{ what: rule.added(b!), apply: rule.apply }];
      if (b === null) return [{ what: rule.removed, apply: rule.apply }];
      return fieldChanges(fields, a, b);
    },
  };
}

/** An entity inside another that is always there (a lab's shared configuration), left out when all of it is the default. */
export function nested<K extends string, T extends FieldTable, R extends object>(key: K, fields: T): Field<K, R, Resolved<T>, EnvOf<T>> {
  return {
    key,
    resolve: (raw, at, problems, env) => resolveFields(fields, raw ?? {}, at, problems, env),
    serialize(v, env) {
      const raw = serializeFields(fields, v, env);
      return Object.keys(raw).length ? (raw as R) : undefined;
    },
    changes: (a, b) => fieldChanges(fields, a, b),
  };
}
