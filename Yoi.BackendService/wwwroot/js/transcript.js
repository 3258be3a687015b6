// The transcript fold (docs/protocol.md, "Transcript"), the same rules as TranscriptFold in Yoi.Protocol: a snapshot
// gives the entries so far; each event then advances them. Entries are plain objects the view renders in place.

export class Transcript {
  constructor() {
    this.status = null;
    this.entries = [];
    this.run = null;
    this.changed = new Set();
  }

  /** Starts over from a snapshot frame's {status, transcript, in_flight}. */
  reset(snapshot) {
    this.status = snapshot.status ?? null;
    this.entries = (snapshot.transcript ?? []).map(copyEntry);
    this.run = null;
    for (const entry of (snapshot.in_flight ?? []).map(copyEntry)) {
      if (this.run) this.run.live = false;
      this.entries.push(entry);
      this.run = entry;
    }
    this.changed = new Set(this.entries);
  }

  apply(event) {
    const data = event.data ?? {};
    switch (event.event) {
      case "user_message": this.add({ role: "user", text: data.text ?? "" }); break;
      case "status": this.status = data.status; break;
      case "worker_created": this.status = "idle"; break;
      case "worker_stopped": this.status = "stopped"; break;
      case "run_start":
        if (this.run) this.close(this.run, null);
        this.run = this.add({ role: "assistant", run_id: data.run_id, parts: [], result: null, usage: null, errors: [], live: true });
        break;
      case "run_end":
        if (this.run && this.run.run_id === data.run_id) this.close(this.run, data.result);
        break;
      default:
        if (this.run) this.applyToRun(this.run, event.event, data);
    }
  }

  add(entry) {
    this.entries.push(entry);
    this.changed.add(entry);
    return entry;
  }

  close(run, result) {
    for (const p of run.parts) if (p.type === "thinking" || p.type === "text") p.done = true;
    run.result = result;
    run.live = false;
    this.changed.add(run);
    this.run = null;
  }

  applyToRun(run, kind, data) {
    this.changed.add(run);
    switch (kind) {
      case "thinking_start": openPart(run, "thinking"); break;
      case "thinking_delta": openPart(run, "thinking").text += data.text ?? ""; break;
      case "thinking_done": finishPart(run, "thinking", data.text ?? ""); break;
      case "text_delta": openPart(run, "text").text += data.text ?? ""; break;
      case "text_done": finishPart(run, "text", data.text ?? ""); break;
      case "tool_call_start": toolCall(run, data.id).name = data.name; break;
      case "tool_call_args_delta": toolCall(run, data.id).arguments += data.json ?? ""; break;
      case "tool_call_done": {
        const call = toolCall(run, data.id);
        call.name = data.name;
        call.arguments = data.arguments ?? "";
        call.done = true;
        break;
      }
      case "tool_result": {
        let call = run.parts.find((p) => p.type === "tool_call" && p.id === data.id);
        if (!call) {
          call = { type: "orphan_tool_result", id: data.id, done: true };
          run.parts.push(call);
        }
        call.output = data.output ?? "";
        call.is_error = !!data.is_error;
        break;
      }
      case "usage":
        run.usage = {
          input_tokens: (run.usage?.input_tokens ?? 0) + (data.input_tokens ?? 0),
          output_tokens: (run.usage?.output_tokens ?? 0) + (data.output_tokens ?? 0),
        };
        break;
      case "error": run.errors.push({ code: data.code, message: data.message }); break;
      default: this.changed.delete(run); // turn markers, diagnostics and unknown events change nothing
    }
  }

  /** The entries changed since the last call. */
  takeChanged() {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }
}

function copyEntry(e) {
  if (e.role !== "assistant") return { ...e };
  return { ...e, parts: (e.parts ?? []).map((p) => ({ ...p })), errors: [...(e.errors ?? [])], live: e.result == null };
}

function openPart(run, type) {
  const last = run.parts[run.parts.length - 1];
  if (last && !last.done && last.type === type) return last;
  const part = { type, text: "", done: false };
  run.parts.push(part);
  return part;
}

function finishPart(run, type, text) {
  let part = null;
  for (let i = run.parts.length - 1; i >= 0; i--) {
    if (run.parts[i].type === type && !run.parts[i].done) { part = run.parts[i]; break; }
  }
  if (!part) { part = { type, text: "", done: false }; run.parts.push(part); }
  part.text = text;
  part.done = true;
}

function toolCall(run, id) {
  let call = run.parts.find((p) => p.type === "tool_call" && p.id === id);
  if (!call) {
    call = { type: "tool_call", id, name: "", arguments: "", done: false, output: null, is_error: false };
    run.parts.push(call);
  }
  return call;
}
