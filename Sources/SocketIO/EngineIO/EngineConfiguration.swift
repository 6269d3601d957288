/// Settings of the Engine.IO layer.
public struct EngineConfiguration: Sendable {
    /// URL path prefix, `/socket.io/` for Socket.IO.
    public var path = "/socket.io/"
    /// How often the server pings (ms). Sent to clients in the handshake.
    public var pingInterval = 25_000
    /// How long a client may take to answer a ping (ms) before it is considered gone.
    public var pingTimeout = 20_000
    /// Largest HTTP body or WebSocket message accepted, in bytes. Sent in the handshake.
    public var maxPayload = 1_000_000
    /// Whether polling clients may upgrade to WebSocket.
    public var allowUpgrades = true
    /// Slow-client policy: a client whose unsent data exceeds this many bytes is disconnected.
    public var maxOutboxBytes = 2 * 1024 * 1024
    /// Slow-client policy: a client whose oldest unsent packet is older than this (ms) is disconnected.
    public var maxOutboxAge = 30_000
    /// Time a new session has to connect to a namespace (ms), after which it is closed.
    public var connectTimeout = 45_000

    public init() {}
}
