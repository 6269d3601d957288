import NIOCore

/// How long and how large an HTTP connection may be, and how many there may be at once.
///
/// These close what a slow or hostile client could otherwise hold open for ever: a request head
/// sent one byte at a time (slowloris), a body that stops arriving, a keep-alive connection that
/// never sends its next request, and more sockets than the process has file descriptors.
/// WebSocket connections are not timed here: once upgraded, Engine.IO's ping and pong decide.
public struct HTTPConnectionLimits: Sendable {
    /// From the first byte of a request to the end of its head (request line and headers).
    public var headTimeout: TimeAmount = .seconds(5)
    /// The longest pause between two reads of a request body.
    public var bodyTimeout: TimeAmount = .seconds(60)
    /// How long a keep-alive connection may wait for its next request.
    public var idleTimeout: TimeAmount = .seconds(75)
    /// Longer request targets are answered 414.
    public var maxURILength = 8 * 1024
    /// Header fields (names and values together) past this are answered 431.
    public var maxHeaderBytes = 32 * 1024
    /// What the HTTP parser itself buffers for one head before it gives up (431): above both
    /// limits above, so that a long target is still told 414.
    public var parserHeadLimit = 128 * 1024
    /// Connections open at once (HTTP and WebSocket). A new one past this takes the place of the
    /// keep-alive connection that has waited longest, or when none waits, is answered 503.
    public var maxConnections = 2048
    /// How long a refused connection is given to read its answer before it is closed.
    public var lingerAfterRefusal: TimeAmount = .seconds(2)
    /// The JSON body of a refusal (the daemon gives its own error shape).
    public var errorBody: @Sendable (HTTPRefusal) -> String = { refusal in
        #"{"code":"\#(refusal.code)","message":"\#(refusal.message)"}"#
    }

    public init() {}
}

/// An answer the connection layer gives by itself, before any route sees the request.
public struct HTTPRefusal: Sendable, Equatable {
    public var status: Int
    public var reason: String
    /// A stable machine-readable code (`request_timeout`, `uri_too_long`, …).
    public var code: String
    /// A human message (plain ASCII, no quotes: it is written into JSON as is).
    public var message: String

    public static func headTimeout(_ timeout: TimeAmount) -> Self {
        .init(status: 408, reason: "Request Timeout", code: "request_timeout",
              message: "The request headers did not arrive within \(Self.describe(timeout)).")
    }
    public static func bodyTimeout(_ timeout: TimeAmount) -> Self {
        .init(status: 408, reason: "Request Timeout", code: "request_timeout",
              message: "The request body stopped for more than \(Self.describe(timeout)).")
    }
    public static func uriTooLong(_ limit: Int) -> Self {
        .init(status: 414, reason: "URI Too Long", code: "uri_too_long", message: "The request target is longer than \(limit) bytes.")
    }
    public static func headersTooLarge(_ limit: Int) -> Self {
        .init(status: 431, reason: "Request Header Fields Too Large", code: "headers_too_large",
              message: "The request headers are larger than \(limit) bytes.")
    }
    public static let malformed = Self(status: 400, reason: "Bad Request", code: "malformed_request", message: "The request is not valid HTTP/1.1.")
    public static let tooManyConnections = Self(status: 503, reason: "Service Unavailable", code: "too_many_connections",
                                                message: "The box has too many open connections; try again in a moment.")

    static func describe(_ amount: TimeAmount) -> String {
        let ms = amount.nanoseconds / 1_000_000
        return ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
    }
}
