// Building elements without a framework: h("button", {class: "x", onclick}, "text").
import { t } from "./strings.js";

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name in element && !name.startsWith("aria") && !name.startsWith("data")) element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** An icon from the inline set (decorative: the button around it carries the label). */
export function icon(name) {
  const span = h("span", { class: `icon icon-${name}`, "aria-hidden": "true" });
  return span;
}

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast toast-${kind}` }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

/** A modal dialog; resolves with the value of the button pressed (or null on Escape). */
export function ask({ title, body = [], actions }) {
  const dialog = document.getElementById("dialog");
  return new Promise((resolve) => {
    const finish = (value) => { dialog.close(); resolve(value); };
    replace(dialog,
      h("form", { method: "dialog", onsubmit: (event) => { event.preventDefault(); finish(actions.find((a) => a.default)?.value(dialog) ?? null); } },
        h("h2", {}, title),
        body,
        h("div", { class: "dialog-actions" },
          actions.map((action) => h("button", {
            type: action.default ? "submit" : "button",
            class: action.danger ? "danger" : action.default ? "primary" : "",
            onclick: action.default ? null : () => finish(action.value ? action.value(dialog) : null),
          }, action.label)))));
    dialog.addEventListener("cancel", () => resolve(null), { once: true });
    dialog.showModal();
    dialog.querySelector("input, select, button.primary, button")?.focus();
  });
}

export function confirmAction(title, message, label) {
  return ask({
    title, body: [h("p", {}, message)],
    actions: [{ label: t("cancel") }, { label, danger: true, default: true, value: () => true }],
  });
}

export function promptText(title, label, value = "") {
  return ask({
    title,
    body: [h("label", { class: "field" }, label, h("input", { name: "text", value, required: true, maxLength: 200 }))],
    actions: [{ label: t("cancel") }, { label: t("save"), default: true, value: (d) => d.querySelector("input").value.trim() || null }],
  });
}
