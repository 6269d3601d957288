// Linking a tag to a playlist: "Link a tag" opens a session on the box (CONTRACT §5), shows it
// listening with a countdown, then success, or a duplicate with the owning playlist and a
// "move it here" button. Unknown tags tapped on the box can be linked from a prompt.
import { t, errorText, tagName } from "../strings.js";
import { store, subscribe, watchNFC } from "../store.js";
import { post, del } from "../api.js";
import { h, replace, toast, ask } from "../dom.js";

export function tagPanel(parentElement, playlistID) {
  const current = h("p", { class: "tag-current", id: "tag-current" });
  const status = h("div", { class: "tag-status", id: "tag-status", role: "status", "aria-live": "polite" });
  const linkButton = h("button", { type: "button", class: "primary", id: "link-tag" }, t("tag_link"));
  const unlinkButton = h("button", { type: "button", class: "danger", id: "unlink-tag" }, t("tag_unlink"));
  parentElement.append(h("section", { class: "panel", "aria-label": t("tag_link") },
    h("div", { class: "toolbar" }, current, linkButton, unlinkButton), status));
  let session = null;
  let timer = 0;

  watchNFC(true);
  linkButton.addEventListener("click", async () => {
    session = null;
    try {
      const status = await post("nfc/scan", { playlist_id: playlistID, timeout_s: 60 });
      session = status.assoc_id;
      showSession({ ...store.nfc, ...status }); // the nfc room brings the same; whichever is first
    } catch (error) { toast(errorText(error), "error"); }
  });
  unlinkButton.addEventListener("click", async () => {
    const tag = store.playlist.get(playlistID)?.nfc_tag_id;
    if (tag) await del(`nfc/associate/${encodeURIComponent(tag)}`).catch((error) => toast(errorText(error), "error"));
  });

  function showTag() {
    const tag = store.playlist.get(playlistID)?.nfc_tag_id;
    current.textContent = tag ? t("tag_linked", { tag: tagName(tag) }) : t("tag_none");
    current.title = tag ?? "";
    unlinkButton.hidden = !tag;
    linkButton.textContent = tag ? t("tag_link_another") : t("tag_link");
  }

  function showSession(nfc) {
    if (!nfc || nfc.playlist_id !== playlistID) return;
    session = nfc.assoc_id;
    clearInterval(timer);
    const listening = nfc.state === "listening";
    linkButton.hidden = listening;
    if (listening) {
      const countdown = h("span", { id: "tag-countdown" });
      const tickDown = () => {
        const seconds = Math.max(0, Math.ceil((new Date(nfc.timeout_at).getTime() - Date.now()) / 1000));
        countdown.textContent = t("tag_listening", { seconds });
      };
      tickDown();
      timer = setInterval(tickDown, 250);
      replace(status, h("p", { class: "listening" }, h("span", { class: "pulse", "aria-hidden": "true" }), countdown),
        h("button", { type: "button", onclick: () => del(`nfc/session/${encodeURIComponent(nfc.assoc_id)}`).catch(() => {}) }, t("tag_stop")));
    } else if (nfc.state === "success") {
      replace(status, h("p", { class: "ok", id: "tag-success", title: nfc.tag_id }, t("tag_success", { tag: tagName(nfc.tag_id) })));
    } else if (nfc.state === "duplicate") {
      const owner = nfc.existing_playlist?.title ?? (store.playlists ?? []).find((p) => p.id === nfc.conflict_playlist_id)?.title ?? "?";
      replace(status, h("p", { class: "warn", id: "tag-duplicate" }, t("tag_duplicate", { title: owner })),
        h("button", { type: "button", class: "primary", onclick: () => post("nfc/associate", { tag_id: nfc.tag_id, playlist_id: playlistID, force: true }).catch((error) => toast(errorText(error), "error")) }, t("tag_move_here")));
    } else {
      replace(status, h("p", { class: nfc.state === "error" ? "error" : "hint" }, t(`tag_${nfc.state}`, { message: nfc.message ?? "" })));
    }
  }

  showTag();
  const stops = [
    subscribe("playlist", (playlist) => playlist.id === playlistID && showTag()),
    subscribe("nfc", showSession),
  ];
  return () => {
    stops.forEach((stop) => stop());
    clearInterval(timer);
    if (session && store.nfc?.state === "listening") del(`nfc/session/${encodeURIComponent(session)}`).catch(() => {});
    watchNFC(false);
  };
}

export async function linkUnknownTag(tagID) {
  const playlists = store.playlists ?? [];
  const target = await ask({
    title: t("tag_unknown_link"),
    body: [h("label", { class: "field" }, t("tag_choose_playlist", { tag: tagID }),
      h("select", {}, playlists.map((playlist) => h("option", { value: playlist.id }, playlist.title))))],
    actions: [{ label: t("cancel") }, { label: t("link"), default: true, value: (d) => d.querySelector("select").value || null }],
  });
  if (!target) return;
  try {
    await post("nfc/associate", { tag_id: tagID, playlist_id: target });
    toast(t("tag_success", { tag: tagID }));
  } catch (error) { toast(errorText(error), "error"); }
}
