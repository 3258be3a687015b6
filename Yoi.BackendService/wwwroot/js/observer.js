// A resumable observation WebSocket (docs/protocol.md, "Cursor rules"). It remembers the cursor of the last event or
// snapshot it handed on and, after a drop it may recover from, reconnects with that cursor: the server then sends
// exactly the missed events. An event at or below that cursor is never handed on, so nothing is rendered twice.

import { apiKey } from "./api.js";
import { compareCursors } from "./cursor.js";

// Close codes after which a reconnect cannot help (docs/protocol.md, "Close codes").
const FINAL = new Map([
  [1000, "closed"],
  [1009, "frame too large"],
  [4400, "bad request"],
  [4403, "forbidden"],
  [4404, "not found"],
]);

export class Observer {
  /**
   * @param {string} path the WebSocket route
   * @param {{onFrame: (frame: object) => void, onState: (state: object) => void}} handlers
   */
  constructor(path, handlers) {
    this.path = path;
    this.handlers = handlers;
    this.cursor = null;
    this.reconnects = 0;
    this.events = 0;
    this.socket = null;
    this.closed = false;
    this.delay = 250;
    this.timer = null;
  }

  start() {
    this.connect();
    return this;
  }

  /** Ends observation for good (the page is left). */
  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams();
    if (this.cursor) query.set("cursor", this.cursor);
    // Browsers cannot set headers on a WebSocket; the backend takes the key from access_token.
    const key = apiKey();
    if (key) query.set("access_token", key);
    const q = query.toString();
    return `${scheme}//${location.host}${this.path}${q ? `?${q}` : ""}`;
  }

  connect() {
    if (this.closed) return;
    this.state("connecting");
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.delay = 250;
      this.state("live");
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (e) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.closed) return;
      const final = FINAL.get(e.code);
      if (final) {
        this.state("closed", { code: e.code, reason: e.reason || final });
        return;
      }
      this.reconnects++;
      this.state("reconnecting", { code: e.code, reason: e.reason || (e.code === 1006 ? "connection lost" : "") });
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      this.handlers.onFrame({ kind: "diagnostic", code: "malformed_frame", message: "The server sent a frame that is not JSON." });
      return;
    }
    if (frame.kind === "event") {
      if (this.cursor && compareCursors(frame.cursor, this.cursor) <= 0) return;
      this.cursor = frame.cursor;
      this.events++;
    } else if (frame.kind === "snapshot") {
      this.cursor = frame.cursor;
    }
    this.handlers.onFrame(frame);
  }

  state(name, detail = {}) {
    this.handlers.onState({ state: name, cursor: this.cursor, events: this.events, reconnects: this.reconnects, ...detail });
  }
}
