"use client";
import { useEffect, useState } from "react";
import { forwardProblem } from "@/server/model/gateway";
import { plugGateway } from "./doc";
import { NameField } from "./NameField";
import { useTopology } from "./store";

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

/** A gateway: its name, its switch (unplug), DHCP, port forwards, and how nodes use it. */
export function GatewayInspector({ name }: { name: string }) {
  const g = useTopology((s) => s.doc!.gateways![name]);
  const running = useTopology((s) => s.running);
  const live = useTopology((s) => s.gateways[name]);
  const edit = useTopology((s) => s.edit);
  const forward = g.forward ?? [];

  // The text as typed (blank lines and all); the lab keeps its non-blank lines. An
  // undo or another gateway brings the lab's back.
  const [text, setText] = useState(forward.join("\n"));
  const saved = forward.join("\n");
  useEffect(() => {
    setText((t) => (lines(t).join("\n") === saved ? t : saved));
  }, [saved, name]);
  const problems = lines(text).map(forwardProblem).filter((p): p is string => p !== null);

  const sw = g.switch ?? null;
  const state = !running ? "lab not running" : live?.pid ? `running (slirpvde, pid ${live.pid})` : "stopped";
  return (
    <aside className="inspector" aria-label="Inspector" data-inspect={name}>
      <h3>Internet gateway</h3>
      <NameField name={name} />
      <div className="field">
        <span>Switch</span>
        {sw === null ? (
          <small>none: drag from this gateway to a switch</small>
        ) : (
          <span data-testid="gateway-switch">
            {sw}{" "}
            <button type="button" className="link" onClick={() => edit((d) => plugGateway(d, name, null))}>
              unplug
            </button>
          </span>
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={g.dhcp ?? true} onChange={(e) => edit((d) => void (e.target.checked ? delete d.gateways![name].dhcp : (d.gateways![name].dhcp = false)))} />
        DHCP (hands out 10.0.2.15 and up)
      </label>
      <label>
        Port forwards (HOSTPORT:GUESTADDR:GUESTPORT, one a line)
        <textarea
          rows={3}
          placeholder="8080:10.0.2.15:80"
          value={text}
          aria-invalid={problems.length > 0}
          onChange={(e) => {
            setText(e.target.value);
            const next = lines(e.target.value);
            edit((d) => void (next.length ? (d.gateways![name].forward = next) : delete d.gateways![name].forward));
          }}
        />
        {problems.map((p) => (
          <small key={p} className="error">
            {p}
          </small>
        ))}
      </label>
      <HostPorts name={name} />
      <p data-testid="gateway-state">State: {state}</p>
      <small className="help">
        {sw === null ? "Nodes on its switch" : `Nodes on ${sw}`}: <code>udhcpc -i eth0</code>
        {g.dhcp === false ? " (once DHCP is on)" : ""}, or 10.0.2.15+/24 via 10.0.2.2, DNS 10.0.2.3. The host is 10.0.2.2, closed to guests but for the host ports listed; the internet, where the host has it.
      </small>
    </aside>
  );
}

/** The host's own ports the lab opens to its guests on purpose: the host is closed to them otherwise. */
function HostPorts({ name }: { name: string }) {
  // The array itself (or undefined): a selector making a new [] each time would re-render for ever.
  const ports = useTopology((s) => s.doc!.gateways![name].hostPorts);
  const edit = useTopology((s) => s.edit);
  const saved = (ports ?? []).join(", ");
  const [text, setText] = useState(saved);
  useEffect(() => setText((t) => (parsePorts(t).ports.join(", ") === saved ? t : saved)), [saved, name]);
  const { ports: typed, bad } = parsePorts(text);
  return (
    <label>
      Host ports guests may reach (comma-separated)
      <input
        value={text}
        placeholder="none"
        aria-invalid={bad.length > 0}
        onChange={(e) => {
          setText(e.target.value);
          const next = parsePorts(e.target.value);
          if (!next.bad.length) edit((d) => void (next.ports.length ? (d.gateways![name].hostPorts = next.ports) : delete d.gateways![name].hostPorts));
        }}
      />
      {bad.map((p) => (
        <small key={p} className="error">
          {p} is not a port (1-65535)
        </small>
      ))}
      {typed.length === 0 && !bad.length && <small className="help">The host is closed to this lab&apos;s guests.</small>}
    </label>
  );
}

function parsePorts(text: string): { ports: number[]; bad: string[] } {
  const words = text.split(/[\s,]+/).filter(Boolean);
  const ok = (w: string) => /^\d{1,5}$/.test(w) && Number(w) >= 1 && Number(w) <= 65535;
  return { ports: words.filter(ok).map(Number), bad: words.filter((w) => !ok(w)) };
}
