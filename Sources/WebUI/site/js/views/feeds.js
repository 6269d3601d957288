// Podcasts: a playlist follows a feed. The parent pastes the feed's address and how many of the
// newest episodes to keep; the box reads it at once (a wrong address is said here) and downloads
// them in the background. The episode list shows what is downloaded; "Refresh" reads it again.
import { t, duration, errorText } from "../strings.js";
import { subscribe } from "../store.js";
import { get, put, post, del } from "../api.js";
import { h, replace } from "../dom.js";

export function feedPanel(parentElement, playlistID) {
  const path = `playlists/${encodeURIComponent(playlistID)}/feed`;
  const url = h("input", { type: "url", name: "url", id: "feed-url", required: true, maxLength: 2048, placeholder: "https://", autocomplete: "off" });
  const keep = h("input", { type: "number", name: "keep", id: "feed-keep", min: 1, max: 50, value: 3 });
  const follow = h("button", { type: "submit", class: "primary", id: "feed-follow" }, t("feed_follow"));
  const status = h("p", { class: "hint", id: "feed-status", "aria-live": "polite" });
  const list = h("ul", { class: "upload-list", id: "feed-episodes" });
  const tools = h("div", { class: "toolbar" });
  const form = h("form", { class: "stream-form", onsubmit: start },
    h("label", { class: "field grow" }, t("feed_url"), url), h("label", { class: "field" }, t("feed_keep"), keep), follow);
  const panel = h("section", { class: "panel feed-panel", "aria-labelledby": "feed-heading" },
    h("h3", { id: "feed-heading" }, t("feed_title")), h("p", { class: "hint" }, t("feed_explain")), form, status, tools, list);
  parentElement.append(panel);

  async function start(event) {
    event.preventDefault();
    follow.disabled = true;
    status.textContent = t("feed_reading");
    try {
      show(await put(path, { url: url.value.trim(), keep: Number(keep.value) }));
    } catch (error) {
      status.textContent = errorText(error);
    } finally {
      follow.disabled = false;
    }
  }

  async function refresh() {
    status.textContent = t("feed_reading");
    try { show(await post(`${path}/refresh`)); } catch (error) { status.textContent = errorText(error); }
  }

  async function unfollow() {
    try { await del(path); show(null); } catch (error) { status.textContent = errorText(error); }
  }

  function show(feed) {
    if (!feed) {
      replace(tools);
      replace(list);
      status.textContent = "";
      return;
    }
    url.value = feed.url;
    keep.value = feed.keep;
    status.textContent = feed.error ? t("feed_error", { message: feed.error }) : t("feed_checked", { count: feed.episodes.length });
    replace(tools,
      h("button", { type: "button", id: "feed-refresh", onclick: refresh }, t("feed_refresh")),
      h("button", { type: "button", class: "danger", onclick: unfollow }, t("feed_unfollow")));
    replace(list, feed.episodes.slice(0, 20).map((episode) => h("li", { class: `upload-item${episode.downloaded ? " feed-downloaded" : ""}` },
      h("span", { class: "grow upload-name" }, episode.title),
      h("span", { class: "time" }, episode.duration_ms ? duration(episode.duration_ms) : ""),
      h("span", { class: "upload-state" }, episode.downloaded ? t("feed_downloaded") : ""))));
  }

  const load = () => get(path).then(show).catch((error) => { status.textContent = errorText(error); });
  load();
  // A downloaded episode arrives as a change of the playlist: read the list again.
  const stops = [subscribe("playlist", (playlist) => { if (playlist?.id === playlistID) load(); })];
  return () => { stops.forEach((stop) => stop()); panel.remove(); };
}
