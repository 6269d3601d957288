// The HTTP API: JSON envelopes in and out. Errors become ApiError with the contract's
// `error_type`, the human message and the details (for example `reason`).

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error_type || (status === 0 ? "offline" : "internal_error");
    this.details = body?.details || {};
  }
}

let socketID = null;
/** Operations answer `ack:op`/`err:op` on this socket too (X-Socket-ID). */
export function useSocketID(id) { socketID = id; }

export async function api(method, path, body, { raw = null, contentType = null, signal = null } = {}) {
  const headers = {};
  if (socketID) headers["X-Socket-ID"] = socketID;
  let payload;
  if (raw !== null) {
    payload = raw;
    headers["Content-Type"] = contentType || "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(`/api/${path}`, { method, headers, body: payload, signal, credentials: "same-origin" });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { message: "The box did not answer." });
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok || json?.status === "error") {
    const error = new ApiError(response.status, json);
    if (response.status === 401 && !path.startsWith("auth/")) window.dispatchEvent(new CustomEvent("musicbox:unauthorized"));
    throw error;
  }
  return json?.data;
}

/** PUTs bytes with progress as they leave the browser (`onProgress(sentBytes)`), which fetch
 * cannot report: an upload chunk's progress between its start and the box's answer. */
export function putWithProgress(path, blob, { signal = null, onProgress = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", `/api/${path}`);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    if (socketID) request.setRequestHeader("X-Socket-ID", socketID);
    request.withCredentials = true;
    request.upload.onprogress = (event) => onProgress(event.loaded);
    const abort = () => request.abort();
    signal?.addEventListener("abort", abort, { once: true });
    request.onabort = () => reject(new DOMException("The upload was stopped.", "AbortError"));
    request.onerror = () => reject(new ApiError(0, { message: "The box did not answer." }));
    request.onload = () => {
      signal?.removeEventListener("abort", abort);
      let json = null;
      try { json = request.responseText ? JSON.parse(request.responseText) : null; } catch { json = null; }
      if (request.status < 200 || request.status >= 300 || json?.status === "error") {
        if (request.status === 401) window.dispatchEvent(new CustomEvent("musicbox:unauthorized"));
        reject(new ApiError(request.status, json));
      } else resolve(json?.data);
    };
    request.send(blob);
  });
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path, body) => api("DELETE", path, body);
