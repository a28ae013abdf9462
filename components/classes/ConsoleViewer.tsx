"use client";
import "@xterm/xterm/css/xterm.css";
import { useState } from "react";
import { consoleInput } from "../client/console-line";
import { NodeTerminal } from "../terminal/NodeTerminal";

/**
 * A student's terminals as their teacher sees them: live and read-only (no
 * keystroke leaves, the student's console keeps its size) until the teacher
 * takes control, which the student's workspace then announces.
 */
export function ConsoleViewer({ labId, lab, student, nodes, onClose }: { labId: string; lab: string; student: string; nodes: string[]; onClose: () => void }) {
  const [picked, setNode] = useState("");
  // The node list comes with the lab's state, which may arrive after the viewer opened.
  const node = picked || nodes[0] || "";
  const [control, setControl] = useState(false);
  return (
    <section className="console-viewer" aria-label={`Terminals of ${student}`} data-testid="console-viewer">
      <header>
        <strong>
          {student} · {lab}
        </strong>
        <select aria-label="Node" value={node} onChange={(e) => setNode(e.target.value)}>
          {nodes.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <span className={`badge ${control ? "crashed" : "stopped"}`}>{control ? "you are typing in it" : "read-only"}</span>
        <button type="button" onClick={() => setControl((c) => !c)}>
          {control ? "Give back" : "Take control"}
        </button>
        <button type="button" className="link" onClick={onClose}>
          close
        </button>
      </header>
      {node && (
        <div className="viewer-terminal" data-terminal={node}>
          <NodeTerminal
            key={`${labId}/${node}`}
            lab={labId}
            node={node}
            visible
            resizes={false}
            send={(data) => {
              if (control) consoleInput(labId, node, data);
            }}
          />
        </div>
      )}
    </section>
  );
}
