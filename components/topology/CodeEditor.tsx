"use client";
import { useRef, type KeyboardEvent } from "react";

/** A plain monospace editor with line numbers; Tab indents instead of leaving the field. */
export function CodeEditor({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  const gutter = useRef<HTMLDivElement>(null);
  const lines = Math.max(1, value.split("\n").length);
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== "Tab" || e.shiftKey) return;
    e.preventDefault();
    const t = e.currentTarget;
    const { selectionStart: a, selectionEnd: b } = t;
    onChange(`${value.slice(0, a)}  ${value.slice(b)}`);
    requestAnimationFrame(() => t.setSelectionRange(a + 2, a + 2));
  };
  return (
    <div className="code-editor">
      <div className="gutter" ref={gutter} aria-hidden>
        {Array.from({ length: lines }, (_, i) => (
          <div key={i}>{i + 1}</div>
        ))}
      </div>
      <textarea
        aria-label={label}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKey}
        onScroll={(e) => gutter.current && (gutter.current.scrollTop = e.currentTarget.scrollTop)}
        rows={Math.min(14, Math.max(5, lines + 1))}
      />
    </div>
  );
}
