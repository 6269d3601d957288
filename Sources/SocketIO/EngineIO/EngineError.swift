/// The Engine.IO server's standard errors, answered as HTTP 400 (403 for `forbidden`)
/// with `{"code":N,"message":"…"}`, as the reference server does, so clients recognise them.
public enum EngineError: Int, Error, Sendable {
    case unknownTransport = 0
    case unknownSession = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    public var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        }
    }

    public var httpStatus: Int { self == .forbidden ? 403 : 400 }

    public var jsonBody: String { #"{"code":\#(rawValue),"message":"\#(message)"}"# }
}

/// Why an Engine.IO session ended. The text values are the reference implementation's reasons.
public enum CloseReason: String, Sendable, Equatable {
    /// The client closed it (close packet, or the WebSocket went away).
    case transportClose = "transport close"
    /// No pong within pingTimeout.
    case pingTimeout = "ping timeout"
    /// The client broke the protocol (bad packet, overlapping polls, payload too large).
    case transportError = "transport error"
    /// The client fell too far behind in reading (outbox over its byte or age limit).
    case slowClient = "slow client"
    /// The server closed it on purpose (application, or no namespace connected in time).
    case forcedClose = "forced close"
    /// The server is shutting down.
    case serverShutdown = "server shutting down"
}
