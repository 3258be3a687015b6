// Runs one worker run through the unmodified HttpAgent of @ag-ui/client and prints what it received as one JSON line.
// Usage: node run-agent.mjs <agui url> <threadId> <user text> [api key]
import { HttpAgent } from "@ag-ui/client";

const [url, threadId, text, key] = process.argv.slice(2);
const warnings = [];
const warn = console.warn;
console.warn = (...args) => { warnings.push(args.map(String).join(" ")); warn(...args); };

const agent = new HttpAgent({ url, threadId, headers: key ? { Authorization: `Bearer ${key}` } : {} });
agent.addMessage({ id: "client-message-1", role: "user", content: text });
const events = [];
try {
  const result = await agent.runAgent({}, { onEvent: ({ event }) => { events.push(event); } });
  console.log(JSON.stringify({ ok: true, events, messages: agent.messages, newMessages: result.newMessages, warnings }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String(error?.message ?? error), status: error?.status, payload: error?.payload, events, warnings }));
  process.exitCode = 1;
}
