// Pieces the runtime and worker pages share: the stream status line and the diagnostics list.

import { h, setText } from "../dom.js";

/** Diagnostics from the server and connection changes, newest last; never swallowed. */
export function diagnosticsPanel() {
  const list = h("ol", { class: "diagnostics", "aria-label": "Diagnostics" });
  const element = h("section", { class: "panel", "aria-labelledby": "diag-h" },
    h("h2", { id: "diag-h" }, "Diagnostics"), list);
  let last = null;
  return {
    element,
    add(code, message) {
      const key = `${code}\n${message}`;
      if (key === last?.key) {
        last.count++;
        setText(last.times, ` ×${last.count}`);
        return;
      }
      const times = h("span", { class: "muted" });
      list.append(h("li", { dataset: { code } }, h("time", {}, new Date().toLocaleTimeString()), " ",
        h("code", {}, code), " ", message, times));
      last = { key, count: 1, times };
      while (list.children.length > 50) list.firstElementChild.remove();
    },
  };
}

/** "live · cursor … · N events" and the reason of the last drop. */
export function streamStatus() {
  const element = h("p", { class: "stream" }, "connecting…");
  let last = null;
  return {
    element,
    /** A frame arrived: the cursor moved (no new diagnostics). */
    progress(cursor) {
      if (last?.state === "live") render({ ...last, cursor });
    },
    update(s, diagnostics) {
      last = s;
      render(s);
      if (s.state === "reconnecting" || s.state === "closed") {
        diagnostics.add(s.state === "closed" ? "connection_closed" : "connection_lost",
          `close ${s.code}${s.reason ? ` (${s.reason})` : ""}${s.state === "reconnecting" ? "; resuming from the last cursor" : ""}`);
      }
    },
  };

  function render(s) {
    element.dataset.state = s.state;
    element.dataset.reconnects = String(s.reconnects);
    const parts = [s.state];
    if (s.cursor) parts.push(`cursor ${s.cursor}`);
    if (s.reconnects) parts.push(`${s.reconnects} reconnect${s.reconnects === 1 ? "" : "s"}`);
    if (s.state === "reconnecting" || s.state === "closed") parts.push(`(close ${s.code}${s.reason ? `: ${s.reason}` : ""})`);
    setText(element, parts.join(" · "));
  }
}
