// Uploading songs (CONTRACT §6): a queue that outlives page changes, one file at a time, chunk
// by chunk. A dropped connection is retried; a reload finds its sessions again in localStorage
// and sends only the chunks the box is missing. Progress comes from `upload:progress`.
import { t, bytes, errorText } from "../strings.js";
import { subscribe } from "../store.js";
import { api, ApiError, putWithProgress } from "../api.js";
import { h, replace, toast } from "../dom.js";

const AUDIO = /\.(mp3|m4a|m4b|aac|mp4|flac|ogg|oga|opus|wav|aif|aiff|mka|webm|alac|wma)$/i;
const queue = [];
const watchers = new Set();
let running = false;

const changed = () => watchers.forEach((watch) => watch());
const sessionKey = (item) => `musicbox.upload:${item.playlistID}:${item.file.name}:${item.file.size}:${item.file.lastModified}`;

export function enqueue(playlistID, files) {
  for (const file of files) {
    if (file.name.startsWith(".")) continue;
    queue.push({ playlistID, file, state: "waiting", sent: 0, error: null, sessionID: null, controller: null });
  }
  changed();
  pump();
}

async function pump() {
  if (running) return;
  running = true;
  try {
    for (let item = next(); item; item = next()) await send(item);
  } finally {
    running = false;
  }
}
const next = () => queue.find((item) => item.state === "waiting");

async function send(item) {
  item.state = "sending";
  item.error = null;
  changed();
  const base = `playlists/${encodeURIComponent(item.playlistID)}/uploads`;
  try {
    let received = new Set();
    let info = null;
    const remembered = localStorage.getItem(sessionKey(item));
    if (remembered) {
      try {
        const status = await api("GET", `${base}/${remembered}`);
        info = { session_id: remembered, chunk_size: status.chunk_size, total_chunks: status.total_chunks };
        received = new Set(status.received_chunks);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== "not_found") throw error;
        localStorage.removeItem(sessionKey(item));
      }
    }
    if (!info) {
      try {
        info = await api("POST", `${base}/session`, { filename: item.file.name, file_size: item.file.size });
      } catch (error) {
        // The same file is already on its way (another tab, or a session this browser forgot).
        if (error.code !== "conflict" || !error.details.session_id) throw error;
        const status = await api("GET", `${base}/${error.details.session_id}`);
        info = { session_id: error.details.session_id, chunk_size: status.chunk_size, total_chunks: status.total_chunks };
        received = new Set(status.received_chunks);
      }
      localStorage.setItem(sessionKey(item), info.session_id);
    }
    item.sessionID = info.session_id;
    const chunkSize = info.chunk_size;
    item.sent = [...received].reduce((sum, index) => sum + Math.min(chunkSize, item.file.size - index * chunkSize), 0);
    changed();
    for (let index = 0; index < info.total_chunks; index += 1) {
      if (received.has(index)) continue;
      if (item.state !== "sending") return; // paused or cancelled
      const blob = item.file.slice(index * chunkSize, Math.min(item.file.size, (index + 1) * chunkSize));
      const before = item.sent;
      const receipt = await withRetries(item, () => {
        item.controller = new AbortController();
        return putWithProgress(`${base}/${info.session_id}/chunks/${index}`, blob, {
          signal: item.controller.signal,
          onProgress: (loaded) => { item.sent = before + Math.min(loaded, blob.size); measure(item); changed(); },
        });
      });
      if (!receipt) return;
      item.sent = Math.max(before + blob.size, Math.min(item.file.size, receipt.bytes_received ?? 0));
      measure(item);
      changed();
    }
    item.state = "checking";
    changed();
    const result = await api("POST", `${base}/${info.session_id}/finalize`, {});
    localStorage.removeItem(sessionKey(item));
    item.state = "done";
    item.track = result.track;
    item.sent = item.file.size;
  } catch (error) {
    if (error.name === "AbortError") return;
    localStorage.removeItem(sessionKey(item));
    item.state = "failed";
    item.error = describe(error);
  } finally {
    item.controller = null;
    changed();
  }
}

/** The upload's speed over its last few seconds (bytes/s), from (time, bytes sent) samples. */
function measure(item) {
  const now = performance.now();
  item.samples = (item.samples ?? []).filter(([at]) => now - at < 4000);
  item.samples.push([now, item.sent]);
  const [firstAt, firstSent] = item.samples[0];
  item.speed = now - firstAt >= 500 ? ((item.sent - firstSent) * 1000) / (now - firstAt) : item.speed ?? 0;
}

/** "1.2 MB/s · 0:35 left" while a file is on its way (nothing until the speed is known). */
function pace(item) {
  if (item.state !== "sending" || item.retrying || !item.speed) return "";
  const seconds = Math.ceil((item.file.size - item.sent) / item.speed);
  const left = seconds >= 3600 ? `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`
    : `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return t("upload_pace", { speed: `${bytes(item.speed)}/s`, left });
}

/** Runs a chunk request, retrying while the box is unreachable; null when paused or cancelled. */
async function withRetries(item, request) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      if (error.name === "AbortError" || item.state !== "sending") return null;
      const transient = error.status === 0 || error.status >= 502 || error.code === "conflict";
      if (!transient || attempt >= 30) throw error;
      item.retrying = true;
      changed();
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 300 * 2 ** attempt)));
      item.retrying = false;
    }
  }
}

function describe(error) {
  if (error.code === "unsupported_format") return errorText(error);
  if (error.code === "payload_too_large") return t("error_too_large", { limit: error.details.limit ? bytes(Number(error.details.limit)) : "" });
  if (error.code === "insufficient_storage") return t("error_disk_full");
  return t("error_generic", { message: errorText(error) });
}

function pause(item) {
  item.state = "paused";
  item.controller?.abort();
  changed();
}

function resume(item) {
  item.state = "waiting";
  changed();
  pump();
}

async function cancel(item) {
  const wasActive = item.state === "sending" || item.state === "paused";
  item.state = "cancelled";
  item.controller?.abort();
  localStorage.removeItem(sessionKey(item));
  if (wasActive && item.sessionID) {
    await api("DELETE", `playlists/${encodeURIComponent(item.playlistID)}/uploads/${item.sessionID}`).catch(() => {});
  }
  changed();
}

subscribe("upload:progress", (event) => {
  const item = queue.find((candidate) => candidate.sessionID === event.session_id);
  if (item && event.bytes_received > item.sent) { item.sent = event.bytes_received; changed(); }
});

/** Files and folders dropped on the page (folders are walked). */
async function droppedFiles(transfer) {
  const entries = [...transfer.items].map((entry) => entry.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...transfer.files];
  const files = [];
  async function walk(entry) {
    if (entry.isFile) files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
    else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (let batch = await readBatch(reader); batch.length; batch = await readBatch(reader)) for (const child of batch) await walk(child);
    }
  }
  const readBatch = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
  for (const entry of entries) await walk(entry);
  return files;
}

const natural = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
const sorted = (files) => [...files].filter((file) => AUDIO.test(file.name) || file.type.startsWith("audio/"))
  .sort((a, b) => natural.compare(a.webkitRelativePath || a.name, b.webkitRelativePath || b.name));

export function uploadPanel(parentElement, playlistID) {
  const fileInput = h("input", { type: "file", multiple: true, accept: "audio/*,.mp3,.m4a,.m4b,.flac,.ogg,.opus,.wav,.aiff,.mka", id: "upload-files", class: "visually-hidden" });
  const folderInput = h("input", { type: "file", multiple: true, webkitdirectory: true, id: "upload-folder", class: "visually-hidden" });
  fileInput.addEventListener("change", () => { enqueue(playlistID, sorted(fileInput.files)); fileInput.value = ""; });
  folderInput.addEventListener("change", () => { enqueue(playlistID, sorted(folderInput.files)); folderInput.value = ""; });
  const overall = h("progress", { max: 100, value: 0, class: "overall", "aria-label": t("upload_title") });
  const overallText = h("p", { class: "hint", "aria-live": "polite" });
  const list = h("ul", { class: "upload-list", id: "upload-list" });
  const interrupted = h("ul", { class: "plain hint", id: "upload-interrupted" });
  const drop = h("div", { class: "drop-zone", id: "drop-zone" },
    h("p", {}, t("upload_drop")),
    h("label", { class: "button", for: "upload-files" }, t("upload_choose_files")), fileInput,
    h("label", { class: "button", for: "upload-folder" }, t("upload_choose_folder")), folderInput);
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    enqueue(playlistID, sorted(await droppedFiles(event.dataTransfer)));
  });
  const clear = h("button", { type: "button", class: "small", onclick: () => {
    for (let i = queue.length - 1; i >= 0; i -= 1) if (queue[i].playlistID === playlistID && ["done", "cancelled", "failed"].includes(queue[i].state)) queue.splice(i, 1);
    changed();
  } }, t("upload_clear"));
  const panel = h("section", { class: "panel upload-panel", "aria-labelledby": "upload-heading" },
    h("h3", { id: "upload-heading" }, t("upload_title")), interrupted, drop, overall, overallText, list, clear);
  parentElement.append(panel);

  function render() {
    const items = queue.filter((item) => item.playlistID === playlistID);
    // Uploads a reload cut off: the browser may not read a file again unasked, so the parent adds it again.
    const prefix = `musicbox.upload:${playlistID}:`;
    const waiting = Object.keys(localStorage).filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length).split(":").slice(0, -2).join(":"))
      .filter((name) => !items.some((item) => item.file.name === name));
    replace(interrupted, waiting.map((name) => h("li", {}, t("upload_interrupted", { name }))));
    const counted = items.filter((item) => item.state !== "cancelled");
    const total = counted.reduce((sum, item) => sum + item.file.size, 0);
    const sent = counted.reduce((sum, item) => sum + (item.state === "failed" ? item.file.size : item.sent), 0);
    const percent = total ? Math.floor((sent / total) * 100) : 0;
    overall.hidden = overallText.hidden = clear.hidden = !items.length;
    overall.value = percent;
    overallText.textContent = t("upload_overall", { done: counted.filter((item) => item.state === "done").length, total: counted.length, percent });
    replace(list, items.map((item) => {
      const label = item.retrying ? t("upload_retrying") : t(`upload_${item.state}`);
      return h("li", { class: `upload upload-${item.state}`, "data-name": item.file.name },
        h("div", { class: "upload-line" },
          h("span", { class: "grow upload-name" }, item.file.name),
          h("span", { class: "hint upload-state" }, label),
          item.state === "sending" && h("span", { class: "hint upload-pace" }, pace(item)),
          item.state === "sending" && h("button", { type: "button", class: "small", onclick: () => pause(item) }, t("upload_pause")),
          item.state === "paused" && h("button", { type: "button", class: "small", onclick: () => resume(item) }, t("upload_resume")),
          ["waiting", "sending", "paused"].includes(item.state) && h("button", { type: "button", class: "small danger", "aria-label": `${t("upload_cancel")}: ${item.file.name}`, onclick: () => cancel(item) }, "✕")),
        h("progress", { max: item.file.size || 1, value: item.sent, "aria-label": item.file.name }),
        item.error && h("p", { class: "error", role: "alert" }, item.error));
    }));
  }
  watchers.add(render);
  render();
  return () => watchers.delete(render);
}
