// One runtime: its workers live from the runtime-wide stream (a snapshot of the workers, then lifecycle events),
// the availability of the runtime, and the "New worker" button.

import { api, paths } from "../api.js";
import { h, errorText, setText } from "../dom.js";
import { Observer } from "../observer.js";
import { diagnosticsPanel, streamStatus } from "./panels.js";

const REFRESH_MS = 5000;

export function runtimeView({ rid }, { can }) {
  const workers = new Map();
  const rows = h("tbody");
  const empty = h("p", { class: "muted" }, "No workers yet.");
  const availability = h("span", { class: "badge" }, "…");
  const alert = h("p", { class: "alert", role: "alert" });
  const diagnostics = diagnosticsPanel();
  const status = streamStatus();
  const header = h("div", { class: "title" }, h("h1", {}, `Runtime ${rid}`), availability);
  const actions = h("div", { class: "actions" });
  if (can(rid, "create_worker")) {
    const create = h("button", { type: "button", class: "primary" }, "New worker");
    create.addEventListener("click", async () => {
      create.disabled = true;
      alert.textContent = "";
      try {
        const worker = await api.createWorker(rid);
        location.hash = `#/runtimes/${encodeURIComponent(rid)}/workers/${encodeURIComponent(worker.worker_id)}`;
      } catch (e) {
        alert.textContent = `Could not create a worker: ${errorText(e)}`;
        create.disabled = false;
      }
    });
    actions.append(create);
  }
  const table = h("table", { class: "workers" },
    h("caption", {}, "Workers"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Worker"), h("th", { scope: "col" }, "Status"),
      h("th", { scope: "col" }, "Provider"), h("th", { scope: "col" }, "Created"))),
    rows);
  const element = h("section", { class: "view" }, header, actions, alert, status.element, empty, table, diagnostics.element);

  function render() {
    const sorted = [...workers.values()].sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    rows.replaceChildren(...sorted.map((w) => h("tr", { dataset: { workerId: w.worker_id } },
      h("th", { scope: "row" }, h("a", { href: `#/runtimes/${encodeURIComponent(rid)}/workers/${encodeURIComponent(w.worker_id)}` }, w.worker_id)),
      h("td", {}, h("span", { class: `badge status-${w.status}` }, w.status), w.run_id ? h("span", { class: "muted" }, ` run ${w.run_id}`) : null),
      h("td", {}, w.provider ?? ""),
      h("td", {}, w.created_at ? new Date(w.created_at).toLocaleString() : ""))));
    empty.hidden = workers.size > 0;
    table.hidden = workers.size === 0;
  }

  function upsert(id, change) {
    const w = workers.get(id) ?? { worker_id: id, status: "idle" };
    workers.set(id, { ...w, ...change });
  }

  // Lifecycle events set state (they do not accumulate), so one the snapshot already reflects is harmless again.
  function applyLifecycle(frame) {
    const id = frame.worker_id;
    const data = frame.payload?.data ?? {};
    if (!id) return;
    switch (frame.payload?.event) {
      case "worker_created": upsert(id, { provider: data.provider, created_at: data.created_at, status: "idle" }); break;
      case "worker_stopped": upsert(id, { status: "stopped", run_id: null }); break;
      case "status": upsert(id, { status: data.status }); break;
      case "run_start": upsert(id, { run_id: data.run_id }); break;
      case "run_end": upsert(id, { run_id: null }); break;
      default: return;
    }
    render();
  }

  const observer = new Observer(paths.runtimeEvents(rid), {
    onFrame(frame) {
      if (frame.kind === "snapshot") {
        workers.clear();
        for (const w of frame.snapshot?.workers ?? []) workers.set(w.worker_id, w);
        status.progress(observer.cursor);
        render();
      } else if (frame.kind === "event") {
        applyLifecycle(frame);
        status.progress(observer.cursor);
      } else if (frame.kind === "diagnostic") {
        diagnostics.add(frame.code, frame.message);
      }
    },
    onState: (s) => status.update(s, diagnostics),
  }).start();

  let timer = null;
  let disposed = false;
  async function probe() {
    try {
      const info = await api.runtime(rid);
      setText(availability, info.available ? "available" : "unavailable");
      availability.className = `badge ${info.available ? "ok" : "bad"}`;
    } catch (e) {
      setText(availability, "unknown");
      availability.className = "badge bad";
      if (!disposed) alert.textContent = errorText(e);
    }
    if (!disposed) timer = setTimeout(probe, REFRESH_MS);
  }
  probe();
  render();

  return { element, dispose() { disposed = true; clearTimeout(timer); observer.close(); } };
}
