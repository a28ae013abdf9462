"use client";
import { memo, useMemo, useState } from "react";
import type { FrameDetail, TreeNode } from "./decoder";
import { fromBase64, hexLines } from "./hex";

/**
 * The selected packet as Wireshark dissects it: the protocol tree (each
 * protocol open, its fields one click further, except the frame's own
 * metadata) and the hex dump, where the field picked in the tree is marked.
 */
export function PacketDetail({ no, frame }: { no: number; frame: FrameDetail }) {
  const [picked, setPicked] = useState<TreeNode | null>(null);
  const sources = useMemo(() => frame.sources.map((s) => ({ name: s.name, bytes: fromBase64(s.data) })), [frame]);
  const source = sources[picked?.source ?? 0] ?? sources[0];
  const lines = useMemo(() => (source ? hexLines(source.bytes, picked?.start ?? 0, picked?.length ?? 0) : []), [source, picked]);
  return (
    <div className="packet-detail" data-testid="packet-detail" data-no={no}>
      {frame.malformed && (
        <p className="malformed-note" role="status">
          Malformed packet: Wireshark could not dissect all of it (see the red lines).
        </p>
      )}
      <ul className="packet-tree" role="tree" aria-label={`Packet ${no}`}>
        {frame.tree.map((n, i) => (
          <Branch key={i} node={n} depth={0} picked={picked} onPick={setPicked} />
        ))}
        {frame.cut && <li className="muted">… (the tree is longer than the page shows)</li>}
      </ul>
      {source && (
        <div className="hex-dump" aria-label={`Bytes: ${source.name}`}>
          {sources.length > 1 && <div className="muted">{source.name}</div>}
          {lines.map((l) => (
            <div key={l.offset} className="hex-line">
              <span className="off">{l.offset}</span>
              <span className="hex">
                {l.bytes.map((b, i) => (
                  <span key={i} className={b.on ? "on" : undefined}>
                    {b.hex}
                  </span>
                ))}
              </span>
              <span className="ascii">
                {l.bytes.map((b, i) => (
                  <span key={i} className={b.on ? "on" : undefined}>
                    {b.ascii}
                  </span>
                ))}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

const bad = (n: TreeNode) => n.filter.startsWith("_ws.malformed") || n.filter.startsWith("_ws.expert");

const Branch = memo(function Branch({ node, depth, picked, onPick }: { node: TreeNode; depth: number; picked: TreeNode | null; onPick: (n: TreeNode) => void }) {
  const [open, setOpen] = useState(depth === 0 && node.filter !== "frame");
  const has = node.children.length > 0;
  return (
    <li role="treeitem" aria-expanded={has ? open : undefined} aria-selected={picked === node}>
      <div
        className={`tree-line${picked === node ? " picked" : ""}${bad(node) ? " bad" : ""}`}
        title={node.filter || undefined}
        onClick={() => {
          onPick(node);
          if (has) setOpen((o) => !o);
        }}
      >
        <span className="twisty" aria-hidden>
          {has ? (open ? "▾" : "▸") : ""}
        </span>
        {node.label}
      </div>
      {has && open && (
        <ul role="group">
          {node.children.map((c, i) => (
            <Branch key={i} node={c} depth={depth + 1} picked={picked} onPick={onPick} />
          ))}
        </ul>
      )}
    </li>
  );
});
