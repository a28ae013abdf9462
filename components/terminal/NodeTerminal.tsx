"use client";
import type { FitAddon } from "@xterm/addon-fit";
import type { Terminal } from "@xterm/xterm";
import { useEffect, useRef } from "react";
import { ConsoleLine, type ConsoleData } from "../client/console-line";
import { probe } from "../client/socket";

// Acknowledge rendered output in batches: one small message per 8 KiB or 50 ms.
const ACK_BYTES = 8192;
const ACK_DELAY_MS = 50;
const WRITE_SLICE = 4096;

export interface TerminalHandle {
  focus(): void;
}

/**
 * One node's console: xterm in the browser, attached over socket.io (the
 * engine's console door, or the web server: ConsoleLine). It
 * replays the recent screen on attach and again after a reconnect, follows
 * its pane's size, and acknowledges what it has drawn so a flood never
 * outruns the page. Typed input goes to `send` (the dock decides where:
 * this node, or every node when broadcasting).
 */
export function NodeTerminal({
  lab,
  node,
  visible,
  send,
  onReady,
  resizes = true,
}: {
  lab: string;
  node: string;
  visible: boolean;
  send: (data: string) => void;
  onReady?: (h: TerminalHandle) => void;
  /** false: the terminal follows its pane but never resizes the node's console (a teacher watching a student's). */
  resizes?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const term = useRef<Terminal | null>(null);
  const fit = useRef<FitAddon | null>(null);
  const sendRef = useRef(send);
  sendRef.current = send;

  useEffect(() => {
    let disposed = false;
    const cleanups: (() => void)[] = [];
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")]);
      if (disposed || !host.current) return;
      const t = new Terminal({
        fontFamily: "'DejaVu Sans Mono', 'Liberation Mono', monospace",
        fontSize: 13,
        scrollback: 5000,
        cursorBlink: true,
        theme: { background: "#0d1117", foreground: "#d6dde6" },
      });
      const f = new FitAddon();
      t.loadAddon(f);
      t.open(host.current);
      term.current = t;
      fit.current = f;
      onReady?.({ focus: () => t.focus() });

      let unacked = 0;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const flush = () => {
        if (timer) clearTimeout(timer);
        timer = null;
        if (unacked > 0) line.ack(unacked);
        unacked = 0;
      };
      // Acknowledged once a frame has been drawn, never sooner: the server then sends
      // no faster than the page paints, and a flood cannot keep the page from drawing.
      let frame: number | null = null;
      const written = (chars: number) => {
        unacked += chars;
        if (unacked >= ACK_BYTES) {
          frame ??= requestAnimationFrame(() => {
            frame = null;
            flush();
          });
        } else if (!timer) timer = setTimeout(flush, ACK_DELAY_MS);
      };
      let waitingRender = false;
      t.onRender(() => {
        if (waitingRender) probe("rendered", node);
        waitingRender = false;
      });
      // In slices: xterm looks at the clock (and lets the page draw) only between the
      // pieces it is given, so one 64 KiB message of a flood would be one long task.
      const write = (data: string) => {
        waitingRender = true;
        for (let at = 0; at < data.length; at += WRITE_SLICE) {
          const piece = data.slice(at, at + WRITE_SLICE);
          t.write(piece, () => written(piece.length));
        }
      };

      const attach = () =>
        line.attach((r) => {
          if (disposed) return;
          t.reset();
          if (!r.ok) {
            t.write(`\x1b[31m${r.error}\x1b[0m\r\n`);
            return;
          }
          if (r.replay) write(r.replay);
          else if (r.state === "stopped" || r.state === "halted") t.write(`\x1b[2m[${node} is ${r.state}: start it and its console shows here]\x1b[0m\r\n`);
          resize();
        });
      const onData = (m: ConsoleData) => {
        probe("data", node, m.data);
        if (m.reset) t.reset();
        write(m.data);
      };
      const resize = () => {
        if (!host.current || host.current.offsetWidth === 0) return;
        try {
          f.fit();
        } catch {
          return;
        }
        if (resizes) line.resize(t.cols, t.rows);
      };
      const line = new ConsoleLine(lab, node, { data: onData, ready: attach, via: (via) => host.current?.setAttribute("data-console-via", via) });
      const input = t.onData((d) => sendRef.current(d));
      t.attachCustomKeyEventHandler((e) => {
        // Ctrl+Shift+C / Ctrl+Shift+V copy and paste, as in desktop terminals.
        if (e.type !== "keydown" || !e.ctrlKey || !e.shiftKey) return true;
        if (e.code === "KeyC") {
          const sel = t.getSelection();
          if (sel) void navigator.clipboard?.writeText(sel);
          return false;
        }
        // The browser's own paste follows (a paste event, which xterm takes): just keep xterm from sending ^V.
        if (e.code === "KeyV") return false;
        return true;
      });
      const observer = new ResizeObserver(() => resize());
      observer.observe(host.current);
      cleanups.push(() => {
        observer.disconnect();
        input.dispose();
        flush();
        line.close();
        t.dispose();
      });
    })();
    return () => {
      disposed = true;
      cleanups.forEach((c) => c());
    };
    // One terminal per lab and node: the rest is read through refs, so a re-render never reattaches.
  }, [lab, node, resizes]);

  useEffect(() => {
    if (!visible) return;
    const id = requestAnimationFrame(() => {
      try {
        fit.current?.fit();
      } catch {
        // not laid out yet
      }
    });
    return () => cancelAnimationFrame(id);
  }, [visible]);

  return <div className="xterm-host" ref={host} data-terminal={node} />;
}
