// Command tags: a tag that does something instead of playing a playlist (a sleep timer, a
// volume cap, stop, switching off, the toddler lock). Made from the prompt for an unknown tag
// tapped on the box; listed and removed in Settings. Parents only.
import { t, errorText, tagName } from "../strings.js";
import { get, post, del } from "../api.js";
import { h, replace, toast, ask } from "../dom.js";

export const ACTIONS = ["sleep", "sleep_end_of_track", "volume_cap", "stop", "shutdown", "toddler_lock"];

/** "Sleep timer, 30 minutes" and the like. */
export function describe(command) {
  if (command.action === "sleep") return t("command_sleep_minutes", { minutes: command.minutes });
  if (command.action === "volume_cap") return t("command_volume_cap_to", { volume: command.volume });
  return t(`command_${command.action}`);
}

/** Asks which command the tag should do, then links it (moving it from a playlist only when confirmed). */
export async function makeCommandTag(tagID) {
  const minutes = h("input", { type: "number", name: "minutes", min: 1, max: 720, value: 30, inputMode: "numeric" });
  const volume = h("input", { type: "number", name: "volume", min: 0, max: 100, value: 40, inputMode: "numeric" });
  const minutesField = h("label", { class: "field" }, t("command_minutes"), minutes);
  const volumeField = h("label", { class: "field", hidden: true }, t("command_volume"), volume);
  const select = h("select", { name: "action", onchange: () => {
    minutesField.hidden = select.value !== "sleep";
    volumeField.hidden = select.value !== "volume_cap";
  } }, ACTIONS.map((action) => h("option", { value: action }, t(`command_${action}`))));
  const choice = await ask({
    title: t("command_make"),
    body: [h("label", { class: "field" }, t("command_choose", { tag: tagID }), select), minutesField, volumeField],
    actions: [{ label: t("cancel") }, { label: t("command_save"), default: true, value: () => select.value }],
  });
  if (!choice) return false;
  const body = { tag_id: tagID, action: choice };
  if (choice === "sleep") body.minutes = Number(minutes.value);
  if (choice === "volume_cap") body.volume = Number(volume.value);
  try {
    await post("nfc/commands", body);
  } catch (error) {
    if (error.code !== "conflict" || !confirm(t("command_move_confirm"))) { toast(errorText(error), "error"); return false; }
    try { await post("nfc/commands", { ...body, force: true }); } catch (again) { toast(errorText(again), "error"); return false; }
  }
  toast(t("command_saved"));
  return true;
}

/** Settings' list of command tags, each with a remove button. */
export function commandTagList(root) {
  const list = h("ul", { class: "plain", id: "command-tags" });
  replace(root, h("p", { class: "hint" }, t("command_how")), list);
  const show = (commands) => replace(list, commands.length ? commands.map((command) => h("li", { class: "command-tag" },
    h("span", { class: "grow" }, describe(command), " · ", h("span", { class: "hint", title: command.tag_id }, t("command_tag", { tag: tagName(command.tag_id) }))),
    h("button", { type: "button", class: "danger", onclick: async () => {
      try { show((await del(`nfc/commands/${encodeURIComponent(command.tag_id)}`)).commands); } catch (error) { toast(errorText(error), "error"); }
    } }, t("delete")))) : h("li", { class: "hint" }, t("command_none")));
  const refresh = () => get("nfc/commands").then((data) => show(data.commands)).catch(() => {});
  refresh();
  return { refresh };
}
