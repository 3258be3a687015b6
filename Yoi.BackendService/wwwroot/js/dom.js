// A small element builder: h("p", {class: "x"}, "text", child). Text is always set as text, never as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === false || value == null) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Sets an element's text only when it changed (keeps selection and screen readers calm). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function errorText(e) {
  return e?.code ? `${e.code}: ${e.detail ?? e.message}` : String(e?.message ?? e);
}
