// Settings → Smart home: the MQTT broker and Home Assistant, for parents. The password is
// written, never shown: the box says only whether one is saved. A change applies at once; the
// status line follows the connection.
import { t, errorText } from "../strings.js";
import { get, patch } from "../api.js";
import { h, replace, toast } from "../dom.js";

export function smartHome(root) {
  const status = h("p", { class: "hint", id: "mqtt-status", role: "status", "aria-live": "polite" });
  const form = h("form", { class: "settings", id: "mqtt-form", autocomplete: "off" });
  replace(root, status, form);
  let saved = null;

  const text = (name, label, attributes = {}) => h("label", { class: "field" }, label,
    h("input", { type: "text", name, spellcheck: false, autocapitalize: "off", ...attributes }));
  const check = (name, label) => h("label", { class: "check" }, h("input", { type: "checkbox", name }), label);
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password", maxLength: 256 });
  const forget = h("button", { type: "button", class: "small", id: "mqtt-forget-password", onclick: () => save({ password: "" }) }, t("mqtt_forget_password"));
  replace(form,
    h("fieldset", {}, h("legend", {}, t("mqtt_broker")),
      check("enabled", t("mqtt_enabled")),
      h("div", { class: "time-row" },
        text("host", t("mqtt_host"), { required: true, maxLength: 253, pattern: "[A-Za-z0-9.:_\\-]+" }),
        h("label", { class: "field" }, t("mqtt_port"), h("input", { type: "number", name: "port", min: 1, max: 65535, required: true, inputMode: "numeric" }))),
      check("tls", t("mqtt_tls")),
      text("username", t("mqtt_username"), { maxLength: 256, autocomplete: "off" }),
      h("label", { class: "field" }, t("mqtt_password"), password),
      h("p", { class: "hint", id: "mqtt-password-state" })),
    h("fieldset", {}, h("legend", {}, t("mqtt_home_assistant")),
      check("discovery", t("mqtt_discovery")),
      check("trusted", t("mqtt_trusted")),
      h("details", {}, h("summary", {}, t("mqtt_advanced")),
        text("base_topic", t("mqtt_base_topic"), { maxLength: 128 }),
        text("client_id", t("mqtt_client_id"), { maxLength: 64, pattern: "[A-Za-z0-9._\\-]*" }),
        text("discovery_prefix", t("mqtt_discovery_prefix"), { maxLength: 64 }))),
    h("button", { type: "submit", class: "primary", id: "save-mqtt" }, t("save")));

  function fill(values) {
    saved = values;
    for (const name of ["enabled", "tls", "discovery", "trusted"]) form.elements[name].checked = values[name];
    for (const name of ["host", "port", "username", "base_topic", "client_id", "discovery_prefix"]) form.elements[name].value = values[name];
    password.value = "";
    password.placeholder = values.password_set ? t("mqtt_password_saved") : t("mqtt_password_none");
    replace(form.querySelector("#mqtt-password-state"), values.password_set ? [t("mqtt_password_is_set"), " ", forget] : t("mqtt_password_not_set"));
    showStatus(values);
  }

  function showStatus(values) {
    status.dataset.state = values.status;
    status.textContent = values.status === "connected" ? t("mqtt_connected", { host: values.host, topic: values.base_topic })
      : values.status === "off" ? t("mqtt_off")
      : t("mqtt_not_connected", { problem: values.problem || "" });
  }

  async function save(values) {
    try {
      fill(await patch("settings/mqtt", values));
      toast(t("settings_saved"));
      follow();
    } catch (error) { toast(errorText(error), "error"); }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = form.elements;
    const values = {
      enabled: fields.enabled.checked, host: fields.host.value.trim(), port: Number(fields.port.value), tls: fields.tls.checked,
      username: fields.username.value, discovery: fields.discovery.checked, trusted: fields.trusted.checked,
      base_topic: fields.base_topic.value.trim(), client_id: fields.client_id.value.trim(), discovery_prefix: fields.discovery_prefix.value.trim(),
    };
    // Only what changed: a value left as it was keeps following the config file.
    const changed = Object.fromEntries(Object.entries(values).filter(([name, value]) => saved?.[name] !== value));
    // Typed means replace; left empty means keep the saved one.
    if (password.value) changed.password = password.value;
    if (!Object.keys(changed).length) changed.enabled = values.enabled;
    save(changed);
  });

  // After a change the connection takes a moment: look again a few times.
  let following = null;
  function follow(times = 8) {
    clearTimeout(following);
    if (times === 0) return;
    following = setTimeout(() => refresh().then(() => { if (saved?.status !== "connected" || times > 6) follow(times - 1); }), 1000);
  }
  const refresh = () => get("settings/mqtt").then((values) => {
    // Only the status: what a parent is typing stays.
    saved = { ...saved, status: values.status, problem: values.problem };
    showStatus(values);
  }).catch(() => {});

  get("settings/mqtt").then(fill).catch((error) => replace(root, h("p", { class: "hint" }, errorText(error))));
  return { refresh, stop: () => clearTimeout(following) };
}
