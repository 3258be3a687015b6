// The runtimes: availability and worker counts (GET /api/runtimes, refreshed every few seconds).

import { api } from "../api.js";
import { h, errorText } from "../dom.js";

const REFRESH_MS = 5000;

export function runtimesView() {
  const list = h("ul", { class: "cards", "aria-label": "Runtimes" });
  const status = h("p", { class: "muted", role: "status" }, "Loading runtimes…");
  const element = h("section", { class: "view" }, h("h1", {}, "Runtimes"), status, list);
  let timer = null;
  let disposed = false;

  async function refresh() {
    try {
      const { runtimes } = await api.runtimes();
      if (disposed) return;
      status.textContent = runtimes.length ? "" : "No runtime is configured.";
      list.replaceChildren(...runtimes.map(card));
    } catch (e) {
      if (!disposed) status.textContent = `Could not list runtimes: ${errorText(e)}`;
    }
    if (!disposed) timer = setTimeout(refresh, REFRESH_MS);
  }

  refresh();
  return { element, dispose() { disposed = true; clearTimeout(timer); } };
}

function card(r) {
  const w = r.workers ?? {};
  return h("li", { class: "card", dataset: { runtimeId: r.runtime_id } },
    h("h2", {}, h("a", { href: `#/runtimes/${encodeURIComponent(r.runtime_id)}` }, r.runtime_id)),
    h("p", {},
      h("span", { class: `badge ${r.available ? "ok" : "bad"}` }, r.available ? "available" : "unavailable"),
      " ", h("span", { class: "muted" }, [r.source, r.version].filter(Boolean).join(" · "))),
    h("dl", { class: "counts" },
      count("Workers", w.total), count("Idle", w.idle), count("Running", w.running), count("Stopped", w.stopped)));
}

function count(label, value) {
  return h("div", {}, h("dt", {}, label), h("dd", {}, String(value ?? 0)));
}
