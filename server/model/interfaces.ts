import type { ChangeApply } from "./changes";
import type { FieldPath, Problem } from "./errors";
import type { Field } from "./field";
import type { Interface } from "./lab";
import type { RawNode } from "./schema";

export const MAX_INTERFACES = 16;

type RawEth = NonNullable<RawNode["eth"]>;

/**
 * A node's interfaces: the file lists them (`[sw1, null]`) or names them
 * (`{eth0: sw1, eth1: null}`, no gaps); the model numbers them. Each must
 * plug into a switch of the lab (`env.switches`).
 */
export function interfaces<K extends string>(key: K, apply: ChangeApply): Field<K, RawEth, Interface[], { switches: ReadonlySet<string> }> {
  return {
    key,
    resolve(raw, at, problems, env) {
      const list = resolveInterfaces(raw, at, problems);
      for (const i of list) {
        if (i.switch !== null && !env.switches.has(i.switch))
          problems.push({ path: [...at, Array.isArray(raw) ? i.index : `eth${i.index}`], message: `eth${i.index} is plugged into "${i.switch}", which is not a switch of this lab` });
      }
      return list;
    },
    serialize: (v) => (v.length ? v.map((i) => i.switch) : undefined),
    changes: (a, b) => interfaceDiff(a, b).map((what) => ({ what, apply })),
  };
}

function resolveInterfaces(eth: RawEth | undefined, at: FieldPath, problems: Problem[]): Interface[] {
  if (eth === undefined) return [];
  const entries: [number, string | null][] = [];
  if (Array.isArray(eth)) {
    eth.forEach((s, i) => entries.push([i, s]));
  } else {
    for (const [key, s] of Object.entries(eth)) {
      const m = /^eth(0|[1-9]\d?)$/.exec(key);
      if (!m) {
        problems.push({ path: [...at, key], message: `"${key}" is not an interface name: use eth0, eth1, ...` });
        continue;
      }
      entries.push([Number(m[1]), s]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    entries.forEach(([index], pos) => {
      if (index !== pos && !entries.some(([i]) => i === pos))
        problems.push({ path: [...at, `eth${index}`], message: `interface gap: eth${index} is defined but eth${pos} is not (list eth${pos} as unplugged: null)` });
    });
  }
  if (entries.length > MAX_INTERFACES) problems.push({ path: at, message: `at most ${MAX_INTERFACES} interfaces per node` });
  return entries.map(([index, s]) => ({ index, switch: s }));
}

function interfaceDiff(a: Interface[], b: Interface[]): string[] {
  const out: string[] = [];
  const plugs = (list: Interface[]) => new Map(list.map((i) => [i.index, i.switch]));
  const before = plugs(a);
  const after = plugs(b);
  const last = Math.max(-1, ...before.keys(), ...after.keys());
  for (let i = 0; i <= last; i++) {
    const was = before.get(i);
    const now = after.get(i);
    if (was === now) continue;
    const eth = `eth${i}`;
    if (was === undefined) out.push(now === null ? `${eth} added, unplugged` : `${eth} added, plugged into ${now}`);
    else if (now === undefined) out.push(`${eth} removed`);
    else if (now === null) out.push(`${eth} unplugged from ${was}`);
    else out.push(`${eth} now plugged into ${now}`);
  }
  return out;
}
