"use client";
import { useCallback } from "react";
import { consoleInput } from "../client/console-line";
import { useDock } from "./dock-store";
import { NodeTerminal } from "./NodeTerminal";

/**
 * The terminal dock: panes side by side, tabs in each. With broadcast on,
 * whatever is typed in one selected terminal goes to every selected node.
 */
export function Dock({ lab, states }: { lab: string; states: Record<string, string> }) {
  const { panes, broadcast, targets } = useDock();
  const dock = useDock.getState;

  const send = useCallback(
    (from: string) => (data: string) => {
      const { broadcast, targets } = dock();
      const to = broadcast && targets.includes(from) ? targets : [from];
      for (const node of to) consoleInput(lab, node, data);
    },
    [lab, dock],
  );

  if (!panes.length) return null;
  const open = panes.flatMap((p) => p.tabs);
  return (
    <section className={`dock${broadcast ? " broadcasting" : ""}`} aria-label="Terminals">
      <header className="dock-bar">
        <strong>Terminals</strong>
        <label className="broadcast-toggle">
          <input type="checkbox" checked={broadcast} onChange={(e) => dock().setBroadcast(e.target.checked)} aria-label="Broadcast input" />
          Broadcast input
        </label>
        {broadcast && (
          <span className="broadcast-banner" role="status" data-testid="broadcast-banner">
            Typing goes to {targets.length ? targets.join(", ") : "no terminal: tick the ones to include"}
          </span>
        )}
        <span className="spacer" />
        <small>{open.length} open · Ctrl+Shift+C/V copy/paste</small>
      </header>
      <div className="panes">
        {panes.map((pane, i) => (
          <div className="pane" key={i} data-pane={i} onMouseDown={() => useDock.setState({ focusedPane: i })}>
            <div className="tabs" role="tablist">
              {pane.tabs.map((node) => (
                <div key={node} role="tab" aria-selected={pane.active === node} className={`tab${pane.active === node ? " active" : ""}${broadcast && targets.includes(node) ? " target" : ""}`} data-tab={node}>
                  {broadcast && <input type="checkbox" aria-label={`Broadcast to ${node}`} checked={targets.includes(node)} onChange={() => dock().toggleTarget(node)} />}
                  <button type="button" className="tab-name" onClick={() => dock().activate(node)}>
                    <span className={`dot state-${states[node.split(".")[0]] ?? "stopped"}`} />
                    {node}
                  </button>
                  {pane.tabs.length > 1 && panes.length < 4 && (
                    <button type="button" className="icon-btn" title="Split: open beside" aria-label={`Split ${node}`} onClick={() => dock().split(node)}>
                      ⇥
                    </button>
                  )}
                  <button type="button" className="icon-btn" title="Close (the node keeps running)" aria-label={`Close ${node}`} onClick={() => dock().close(node)}>
                    ×
                  </button>
                </div>
              ))}
            </div>
            <div className="pane-body">
              {pane.tabs.map((node) => (
                <div key={node} className={`term-wrap${broadcast && targets.includes(node) ? " target" : ""}`} style={{ display: pane.active === node ? "block" : "none" }}>
                  <NodeTerminal lab={lab} node={node} visible={pane.active === node} send={send(node)} />
                </div>
              ))}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}
