// The box's name ("Mia's box"), as the family chose it in Settings or in the first steps: shown
// in the header and the page title. Not named yet, the page says "Music Box" in its language.
import { t } from "./strings.js";
import { get } from "./api.js";

export const box = { name: "" };
const listeners = new Set();

function show() {
  const title = box.name || t("app_name");
  const brand = document.querySelector(".brand");
  if (brand) brand.textContent = title;
  document.title = title;
  for (const listener of listeners) listener(box.name);
}

/** Keeps `name` (what the box answered after a save) and shows it. */
export function setBoxName(name) {
  box.name = name ?? "";
  show();
}

/** Reads the name from the box (`GET /api/settings`, open to everyone). */
export function loadBoxName() {
  return get("settings").then((settings) => setBoxName(settings.box_name)).catch(() => {});
}

/** Calls `listener(name)` on every change; returns the way to stop. */
export function onBoxName(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
