// Parent mode: the editing tools show only in it. Once a PIN is set, turning it on asks for the
// PIN and logs in (the box sets an HttpOnly cookie the page never sees); turning it off logs out.
import { t, errorText } from "./strings.js";
import { get, post } from "./api.js";
import { h, ask, toast } from "./dom.js";

const KEY = "musicbox.parent";
export const parent = {
  get on() { return localStorage.getItem(KEY) === "1"; },
  set on(value) { localStorage.setItem(KEY, value ? "1" : "0"); },
};

/** The box's answer to "who am I": {pin_set, parent, playback_requires_token}. */
export const access = () => get("auth/status");

/** Asks for the PIN until it is right (or the parent cancels); true when logged in. */
export async function logIn() {
  let problem = "";
  for (;;) {
    const pin = await ask({
      title: t("pin_enter"),
      body: [
        h("label", { class: "field" }, t("pin_label"),
          h("input", { name: "pin", id: "pin-input", type: "password", inputMode: "numeric", autocomplete: "current-password", pattern: "[0-9]{4,12}", required: true })),
        problem && h("p", { class: "error", role: "alert" }, problem),
      ],
      actions: [{ label: t("cancel") }, { label: t("pin_log_in"), default: true, value: (d) => d.querySelector("input").value }],
    });
    if (pin === null) return false;
    try {
      await post("auth/login", { pin, label: navigator.userAgent.slice(0, 100) });
      return true;
    } catch (error) {
      problem = errorText(error);
    }
  }
}

/** Turns parent mode on or off; resolves with the new state. */
export async function setParentMode(on) {
  if (!on) {
    parent.on = false;
    const status = await access().catch(() => null);
    if (status?.pin_set) await post("auth/logout").catch(() => {});
    return false;
  }
  const status = await access();
  if (status.pin_set && !status.parent && !(await logIn())) return false;
  parent.on = true;
  return true;
}

/** At start: parent mode stays on only if the box still takes this page's login. */
export async function checkParentMode() {
  if (!parent.on) return false;
  const status = await access().catch(() => null);
  if (status && !status.parent) {
    parent.on = false;
    toast(t("pin_session_ended"));
  }
  return parent.on;
}
