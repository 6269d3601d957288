/// A polling request as the Engine.IO server needs it, independent of the HTTP framework.
public struct PollingRequest: Sendable {
    public var method: String
    public var query: [String: String]
    /// Header names in lowercase.
    public var headers: [String: String]
    public var body: [UInt8]
    /// Set by the adapter when the body was cut at `maxPayload + 1` bytes.
    public var bodyTooLarge: Bool
    public var remoteAddress: String?

    public init(method: String, query: [String: String], headers: [String: String], body: [UInt8], bodyTooLarge: Bool = false, remoteAddress: String?) {
        self.method = method
        self.query = query
        self.headers = headers
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.remoteAddress = remoteAddress
    }
}

/// The answer to a polling request.
public struct PollingResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: String

    static func text(_ body: String, status: Int = 200, cors: [String: String]) -> PollingResponse {
        var headers = cors
        headers["content-type"] = "text/plain; charset=UTF-8"
        headers["cache-control"] = "no-store"
        return PollingResponse(status: status, headers: headers, body: body)
    }

    static func error(_ error: EngineError, cors: [String: String]) -> PollingResponse {
        var headers = cors
        headers["content-type"] = "application/json"
        return PollingResponse(status: error.httpStatus, headers: headers, body: error.jsonBody)
    }
}

/// A WebSocket message as the Engine.IO server sees it.
public enum WebSocketMessageFrame: Sendable {
    case text(String)
    case binary([UInt8])
}

/// Decides whether a request's `Origin` may use the server (CSWSH protection).
/// `nil` origin means a non-browser client, which sends none.
public typealias OriginPolicy = @Sendable (_ origin: String?, _ host: String?) -> Bool

/// Receives what sessions say. Implemented by the Socket.IO layer.
public protocol EngineDelegate: AnyObject, Sendable {
    func engineSessionOpened(_ session: EngineSession) async
    /// Throwing means the client broke the protocol; its session is closed.
    func engineSession(_ session: EngineSession, received message: WebSocketMessageFrame) async throws
    func engineSessionClosed(_ session: EngineSession, reason: CloseReason) async
}
