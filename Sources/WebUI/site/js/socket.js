// A small Socket.IO v5 client (Engine.IO v4 over WebSocket only): the box serves the page, so
// the WebSocket transport is always there and the long-polling fallback is not needed.
// It answers pings, sends events with optional acknowledgements, and reconnects with backoff.

const OPEN = "0", CLOSE = "1", PING = "2", PONG = "3", MESSAGE = "4";
const CONNECT = "0", DISCONNECT = "1", EVENT = "2", ACK = "3", CONNECT_ERROR = "4";

export class BoxSocket {
  constructor({ path = "/socket.io/", auth = null } = {}) {
    this.path = path;
    this.auth = auth;
    this.handlers = new Map();
    this.acks = new Map();
    this.nextAck = 1;
    this.state = "idle"; // idle → opening → connected → waiting (to reconnect)
    this.id = null;
    this.attempts = 0;
    this.pingTimer = null;
  }

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, []);
    this.handlers.get(event).push(handler);
    return this;
  }

  connect() {
    if (this.state === "opening" || this.state === "connected") return;
    this.state = "opening";
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}${this.path}?EIO=4&transport=websocket`);
    this.ws = ws;
    ws.onmessage = (message) => this.receive(String(message.data));
    ws.onclose = () => this.lost(ws);
    ws.onerror = () => ws.close();
  }

  /** Sends `event` with `data`; resolves with the server's acknowledgement (or rejects after `timeoutMs`). */
  emit(event, data = {}, { ack = true, timeoutMs = 10000 } = {}) {
    if (this.state !== "connected") return Promise.reject(new Error("offline"));
    if (!ack) {
      this.send(MESSAGE + EVENT + JSON.stringify([event, data]));
      return Promise.resolve();
    }
    const id = this.nextAck++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.acks.delete(id); reject(new Error("timeout")); }, timeoutMs);
      this.acks.set(id, (value) => { clearTimeout(timer); resolve(value); });
      this.send(MESSAGE + EVENT + id + JSON.stringify([event, data]));
    });
  }

  send(text) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  receive(text) {
    switch (text[0]) {
      case OPEN: {
        const open = JSON.parse(text.slice(1));
        this.watchdog(open.pingInterval + open.pingTimeout);
        this.send(MESSAGE + CONNECT + (this.auth ? JSON.stringify(this.auth) : ""));
        break;
      }
      case PING:
        this.watchdog();
        this.send(PONG);
        break;
      case CLOSE:
        this.ws.close();
        break;
      case MESSAGE:
        this.packet(text.slice(1));
        break;
    }
  }

  packet(text) {
    const type = text[0];
    let rest = text.slice(1);
    if (rest.startsWith("/")) rest = rest.slice(rest.indexOf(",") + 1); // namespace: only "/" is used
    const idMatch = /^\d+/.exec(rest);
    const id = idMatch ? Number(idMatch[0]) : null;
    const body = rest.slice(idMatch ? idMatch[0].length : 0);
    if (type === CONNECT) {
      this.id = JSON.parse(body).sid;
      this.state = "connected";
      const reconnected = this.attempts > 0 || this.everConnected;
      this.attempts = 0;
      this.everConnected = true;
      this.dispatch("connect", { reconnected });
    } else if (type === EVENT) {
      const [event, ...args] = JSON.parse(body);
      this.dispatch(event, ...args);
    } else if (type === ACK && id !== null) {
      const resolve = this.acks.get(id);
      this.acks.delete(id);
      if (resolve) resolve(JSON.parse(body)[0]);
    } else if (type === CONNECT_ERROR) {
      this.dispatch("connect_error", body ? JSON.parse(body) : {});
      this.ws.close();
    } else if (type === DISCONNECT) {
      this.ws.close();
    }
  }

  dispatch(event, ...args) {
    for (const handler of this.handlers.get(event) ?? []) {
      try { handler(...args); } catch (error) { console.error(event, error); }
    }
  }

  /** Without a ping from the server for this long, the connection is taken as dead. */
  watchdog(ms) {
    if (ms) this.pingWindow = ms;
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.ws && this.ws.close(), this.pingWindow ?? 45000);
  }

  lost(ws) {
    if (ws !== this.ws) return;
    clearTimeout(this.pingTimer);
    const wasConnected = this.state === "connected";
    this.state = "waiting";
    this.id = null;
    for (const resolve of this.acks.values()) resolve({ success: false, error_type: "offline" });
    this.acks.clear();
    if (wasConnected) this.dispatch("disconnect");
    // 0.25 s, 0.5 s, 1 s … at most 5 s, with jitter so many phones do not knock at once.
    const delay = Math.min(5000, 250 * 2 ** this.attempts) * (0.8 + Math.random() * 0.4);
    this.attempts += 1;
    setTimeout(() => { this.state = "idle"; this.connect(); }, delay);
  }
}
