// One worker: the transcript as a conversation, live from the worker's stream (a snapshot, then every event; after a
// drop it resumes from the last cursor rendered), the message box and the Cancel / Stop buttons.

import { api, paths } from "../api.js";
import { h, errorText, setText } from "../dom.js";
import { Observer } from "../observer.js";
import { Transcript } from "../transcript.js";
import { diagnosticsPanel, streamStatus } from "./panels.js";

const REFRESH_MS = 5000;

export function workerView({ rid, wid }, { can }) {
  const transcript = new Transcript();
  const rendered = new Map(); // entry -> element
  const statusBadge = h("span", { class: "badge" }, "…");
  const availability = h("span", { class: "muted" });
  const alert = h("p", { class: "alert", role: "alert" });
  const diagnostics = diagnosticsPanel();
  const status = streamStatus();
  const log = h("section", { id: "transcript", class: "transcript", role: "log", "aria-live": "polite", "aria-label": "Transcript" });
  const empty = h("p", { class: "muted" }, "No messages yet.");
  const header = h("div", { class: "title" }, h("h1", {}, `Worker ${wid}`), statusBadge, availability);
  const element = h("section", { class: "view worker" }, header, alert, status.element, log, empty);

  const canInput = can(rid, "input");
  if (canInput || can(rid, "cancel") || can(rid, "stop")) element.append(composer());
  element.append(diagnostics.element);

  function composer() {
    const form = h("form", { class: "composer", "aria-label": "Send a message" });
    const actions = h("div", { class: "actions" });
    if (canInput) {
      const box = h("textarea", { id: "message", name: "message", rows: "3", placeholder: "Enter sends, Shift+Enter adds a line" });
      const send = h("button", { type: "submit", class: "primary" }, "Send");
      form.append(h("label", { for: "message" }, "Message"), box);
      actions.append(send);
      box.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          form.requestSubmit();
        }
      });
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const text = box.value.trim();
        if (!text) return;
        send.disabled = true;
        alert.textContent = "";
        try {
          await api.input(rid, wid, text);
          box.value = "";
        } catch (err) {
          alert.textContent = `Could not send: ${errorText(err)}`;
        } finally {
          send.disabled = false;
          box.focus();
        }
      });
    } else {
      form.addEventListener("submit", (e) => e.preventDefault());
    }
    for (const [command, label, call] of [["cancel", "Cancel", api.cancel], ["stop", "Stop", api.stop]]) {
      if (!can(rid, command)) continue;
      const button = h("button", { type: "button" }, label);
      button.addEventListener("click", async () => {
        alert.textContent = "";
        try {
          await call(rid, wid);
        } catch (err) {
          alert.textContent = `Could not ${command}: ${errorText(err)}`;
        }
      });
      actions.append(button);
    }
    form.append(actions);
    return form;
  }

  let frame = 0;
  function schedule() {
    if (!frame) frame = requestAnimationFrame(flush);
  }

  function flush() {
    frame = 0;
    const changed = transcript.takeChanged();
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    for (const entry of transcript.entries) {
      if (!changed.has(entry) && rendered.has(entry)) continue;
      const el = rendered.get(entry);
      if (el) updateEntry(el, entry);
      else {
        const created = createEntry(entry);
        rendered.set(entry, created);
        log.append(created);
      }
    }
    empty.hidden = transcript.entries.length > 0;
    setText(statusBadge, transcript.status ?? "unknown");
    statusBadge.className = `badge status-${transcript.status}`;
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  const observer = new Observer(paths.workerEvents(rid, wid), {
    onFrame(f) {
      if (f.kind === "snapshot") {
        transcript.reset(f.snapshot ?? {});
        rendered.clear();
        log.replaceChildren();
      } else if (f.kind === "event") {
        transcript.apply(f.payload ?? {});
        if (f.payload?.event === "diagnostic") diagnostics.add(f.payload.data?.code, f.payload.data?.message);
      } else if (f.kind === "diagnostic") {
        diagnostics.add(f.code, f.message);
        return;
      } else {
        return;
      }
      log.dataset.cursor = observer.cursor ?? "";
      log.dataset.events = String(observer.events);
      status.progress(observer.cursor);
      schedule();
    },
    onState(s) {
      status.update(s, diagnostics);
      log.dataset.reconnects = String(s.reconnects);
    },
  });
  observer.start();

  let timer = null;
  let disposed = false;
  let wasAvailable = true;
  async function probe() {
    try {
      const info = await api.runtime(rid);
      setText(availability, info.available ? "" : `runtime ${rid} unavailable`);
      if (wasAvailable && !info.available) diagnostics.add("runtime_unavailable", `The runtime '${rid}' is not answering.`);
      wasAvailable = info.available;
    } catch (e) {
      setText(availability, `runtime ${rid}: ${errorText(e)}`);
    }
    if (!disposed) timer = setTimeout(probe, REFRESH_MS);
  }
  probe();

  return { element, dispose() { disposed = true; clearTimeout(timer); cancelAnimationFrame(frame); observer.close(); } };
}

function createEntry(entry) {
  const el = entry.role === "user"
    ? h("article", { class: "msg user", "aria-label": "You" }, h("h2", { class: "who" }, "You"), h("p", { class: "text" }))
    : h("article", { class: "msg assistant", "aria-label": "Assistant", dataset: { runId: entry.run_id ?? "" } },
      h("h2", { class: "who" }, "Assistant"), h("div", { class: "parts" }), h("footer", { class: "meta" }));
  updateEntry(el, entry);
  return el;
}

function updateEntry(el, entry) {
  if (entry.role === "user") {
    setText(el.querySelector(".text"), entry.text ?? "");
    return;
  }
  if (entry.role !== "assistant") return;
  const parts = el.querySelector(".parts");
  entry.parts.forEach((part, i) => {
    let partEl = parts.children[i];
    if (!partEl || partEl.dataset.type !== part.type) {
      const created = createPart(part);
      if (partEl) partEl.replaceWith(created);
      else parts.append(created);
      partEl = created;
    }
    updatePart(partEl, part);
  });
  while (parts.children.length > entry.parts.length) parts.lastElementChild.remove();
  el.classList.toggle("live", !!entry.live);
  // While the answer streams in, screen readers wait for it instead of announcing every delta.
  el.setAttribute("aria-busy", entry.live ? "true" : "false");
  el.querySelector(".meta").replaceChildren(...meta(entry));
}

function createPart(part) {
  switch (part.type) {
    case "thinking":
      return h("details", { class: "thinking", dataset: { type: "thinking" } },
        h("summary", {}, "Thinking"), h("div", { class: "text" }));
    case "text":
      return h("div", { class: "text answer", dataset: { type: "text" } });
    case "tool_call":
      return h("details", { class: "tool", open: true, dataset: { type: "tool_call" } },
        h("summary", {}, "Tool call ", h("code", { class: "name" }), " ", h("span", { class: "state muted" })),
        h("h3", {}, "Arguments"), h("pre", { class: "args" }),
        h("h3", { class: "result-h" }, "Result"), h("pre", { class: "output" }));
    default:
      return h("div", { class: "tool orphan", dataset: { type: part.type } },
        h("h3", {}, "Tool result ", h("code", {}, part.id ?? "")), h("pre", { class: "output" }));
  }
}

function updatePart(el, part) {
  switch (part.type) {
    case "thinking":
      setText(el.querySelector("summary"), part.done ? "Thinking" : "Thinking…");
      setText(el.querySelector(".text"), part.text);
      break;
    case "text":
      setText(el, part.text);
      break;
    case "tool_call": {
      setText(el.querySelector(".name"), part.name || "?");
      const state = part.output == null ? (part.done ? "running" : "preparing") : part.is_error ? "failed" : "done";
      setText(el.querySelector(".state"), state);
      el.dataset.state = state;
      setText(el.querySelector(".args"), pretty(part.arguments));
      const out = el.querySelector(".output");
      out.hidden = part.output == null;
      el.querySelector(".result-h").hidden = part.output == null;
      setText(out, part.output ?? "");
      out.classList.toggle("error", !!part.is_error);
      break;
    }
    default:
      setText(el.querySelector(".output"), part.output ?? "");
  }
}

function meta(entry) {
  const items = [];
  if (entry.live) items.push(h("span", { class: "badge running" }, "running"));
  if (entry.result) items.push(h("span", { class: `badge result-${entry.result}` }, entry.result));
  if (entry.usage) items.push(h("span", { class: "usage" }, `${entry.usage.input_tokens} in · ${entry.usage.output_tokens} out tokens`));
  for (const e of entry.errors ?? []) items.push(h("span", { class: "run-error", role: "note" }, h("code", {}, e.code), ` ${e.message}`));
  return items;
}

function pretty(json) {
  if (!json) return "";
  try { return JSON.stringify(JSON.parse(json), null, 2); } catch { return json; }
}
