import type { CaptureInfo, CaptureTarget } from "@/server/engine/capture/types";
import { captureOf } from "./badge";
import { api } from "../client/api";
import type { MenuItem } from "../topology/ContextMenu";
import type { Act } from "../topology/menu-items";
import { useCaptureView } from "./view-store";

export const UML_SWITCH_REASON = "a uml_switch cannot be captured without root: make it a vde switch (its kind, in the inspector)";

/**
 * The capture entries of a switch's or a wire's right-click menu: start,
 * show, stop. `switchKind`: the kind of the switch the target is on (a
 * wire: the switch its interface is plugged into; a serial cable: none).
 */
export function captureMenu(
  target: CaptureTarget,
  { labId, running, captures, switchKind, act }: { labId: string; running: boolean; captures: readonly CaptureInfo[]; switchKind: "vde" | "uml_switch" | null; act: Act },
): MenuItem[] {
  const show = (id: string) => useCaptureView.getState().show(labId, id);
  const current = captureOf(captures, target);
  const what = target.kind === "switch" ? target.name : target.kind === "link" ? `${target.node}.${target.iface}` : target.line;
  const why = switchKind === "uml_switch" ? UML_SWITCH_REASON : !running ? "the lab is not running" : switchKind === null && target.kind !== "cable" ? "it is plugged into no switch" : undefined;
  const items: MenuItem[] = [];
  if (switchKind === "uml_switch") items.push({ label: `Capture: ${UML_SWITCH_REASON}.`, note: true });
  if (current?.state === "running") {
    items.push({ label: "Show capture", run: () => show(current.id) });
    items.push({ label: "Stop capture", run: () => act(`stopping the capture of ${what}`, () => api.stopCapture(labId, current.id)) });
  } else {
    items.push({
      label: "Capture",
      disabled: !!why,
      title: why ?? "Every frame, live in a panel beside the canvas, decoded by Wireshark's dissectors; download it as pcapng",
      run: () =>
        act(`capturing ${what}`, async () => {
          const c = await api.startCapture(labId, { target });
          show(c.id);
        }),
    });
    if (current) items.push({ label: "Show capture", title: "The last capture here (stopped)", run: () => show(current.id) });
  }
  return items;
}
