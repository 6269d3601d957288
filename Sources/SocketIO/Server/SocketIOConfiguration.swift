/// Settings of the Socket.IO server.
public struct SocketIOConfiguration: Sendable {
    public var engine = EngineConfiguration()
    public var limits = PacketLimits()
    /// Timeouts, sizes and the connection limit of the HTTP server the endpoint runs on.
    public var connections = HTTPConnectionLimits()
    /// Per-socket event rate limit (token bucket); nil for none.
    public var eventRateLimit: RateLimit? = RateLimit(eventsPerSecond: 50, burst: 100)

    public init() {}
}

/// A token bucket: `burst` events at once, refilled at `eventsPerSecond`.
public struct RateLimit: Sendable, Equatable {
    public var eventsPerSecond: Double
    public var burst: Double

    public init(eventsPerSecond: Double, burst: Double) {
        self.eventsPerSecond = eventsPerSecond
        self.burst = burst
    }
}

/// The state of one socket's token bucket.
struct TokenBucket {
    let limit: RateLimit
    var tokens: Double
    var updatedAt: ContinuousClock.Instant

    init(_ limit: RateLimit, now: ContinuousClock.Instant = .now) {
        self.limit = limit
        tokens = limit.burst
        updatedAt = now
    }

    /// Takes a token; when none is left, returns how long until one is (ms).
    mutating func take(now: ContinuousClock.Instant = .now) -> Int? {
        let elapsed = now - updatedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(limit.burst, tokens + seconds * limit.eventsPerSecond)
        updatedAt = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return Int(((1 - tokens) / limit.eventsPerSecond * 1000).rounded(.up))
    }
}

/// Why a socket left its namespace (the reference server's reason strings).
public enum DisconnectReason: String, Sendable {
    case clientNamespaceDisconnect = "client namespace disconnect"
    case serverNamespaceDisconnect = "server namespace disconnect"
    case transportClose = "transport close"
    case transportError = "transport error"
    case pingTimeout = "ping timeout"
    case slowClient = "slow client"
    case forcedClose = "forced close"
    case serverShutdown = "server shutting down"

    init(_ reason: CloseReason) {
        switch reason {
        case .transportClose: self = .transportClose
        case .pingTimeout: self = .pingTimeout
        case .transportError: self = .transportError
        case .slowClient: self = .slowClient
        case .forcedClose: self = .forcedClose
        case .serverShutdown: self = .serverShutdown
        }
    }
}

/// Errors of server-side emits that wait for an acknowledgement.
public enum SocketIOError: Error, Sendable, Equatable {
    case ackTimeout
    case disconnected
}

/// The answer of an authorizer to a namespace CONNECT.
public enum ConnectDecision: Sendable {
    case accept
    /// Refuse with CONNECT_ERROR `{message, data?}`.
    case reject(message: String, data: SocketValue? = nil)
}
