"use client";
import { useEffect, useRef } from "react";
import type { ContextTarget } from "./Canvas";

export interface MenuItem {
  label: string;
  run?: () => void;
  danger?: boolean;
  disabled?: boolean;
  /** Why it is disabled, or what it does: the button's tooltip. */
  title?: string;
  /** A line of text, not an action. */
  note?: boolean;
  items?: MenuItem[];
}

/** A right-click menu at the pointer; Escape or a click elsewhere closes it. */
export function ContextMenu({ target, items, onClose }: { target: ContextTarget; items: MenuItem[]; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const away = (e: MouseEvent) => !ref.current?.contains(e.target as Node) && onClose();
    const esc = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("mousedown", away);
    window.addEventListener("keydown", esc);
    return () => {
      window.removeEventListener("mousedown", away);
      window.removeEventListener("keydown", esc);
    };
  }, [onClose]);
  return (
    <div className="context-menu" role="menu" ref={ref} style={{ left: target.x, top: target.y }} data-menu={target.name}>
      <div className="menu-title">{target.title ?? target.name}</div>
      {items.map((it) =>
        it.note ? (
          <div key={it.label} className="menu-note">
            {it.label}
          </div>
        ) : it.items ? (
          <SubMenu key={it.label} item={it} onClose={onClose} />
        ) : (
          <Entry key={it.label} item={it} onClose={onClose} />
        ),
      )}
    </div>
  );
}

function Entry({ item, onClose }: { item: MenuItem; onClose: () => void }) {
  return (
    <button
      type="button"
      role="menuitem"
      className={item.danger ? "danger" : ""}
      disabled={item.disabled}
      title={item.title}
      onClick={() => {
        onClose();
        item.run?.();
      }}
    >
      {item.label}
    </button>
  );
}

function SubMenu({ item, onClose }: { item: MenuItem; onClose: () => void }) {
  return (
    <div className="submenu" role="group" aria-label={item.label}>
      <div className="submenu-title">{item.label} ▸</div>
      <div className="submenu-items">
        {item.items!.map((it) => (
          <Entry key={it.label} item={it} onClose={onClose} />
        ))}
      </div>
    </div>
  );
}
