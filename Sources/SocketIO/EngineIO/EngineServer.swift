import Logging
import Synchronization

/// The Engine.IO v4 server: handshakes, long-polling, WebSocket, the upgrade between them,
/// heartbeats and the table of open sessions.
public final class EngineServer: Sendable {
    public let configuration: EngineConfiguration
    private let sessions = Mutex<[String: EngineSession]>([:])
    private let delegateBox = Mutex<WeakDelegate>(WeakDelegate())
    private let originPolicy: OriginPolicy
    private let logger: Logger

    private struct WeakDelegate {
        weak var value: (any EngineDelegate)?
    }

    public init(configuration: EngineConfiguration = .init(), originPolicy: @escaping OriginPolicy = EngineServer.sameHostOrigin, logger: Logger = Logger(label: "socketio.engine")) {
        self.configuration = configuration
        self.originPolicy = originPolicy
        self.logger = logger
    }

    /// Who receives the sessions' messages (held weakly): the Socket.IO layer, or for a bare
    /// Engine.IO endpoint any other handler.
    public func setDelegate(_ delegate: any EngineDelegate) { delegateBox.withLock { $0.value = delegate } }
    private var delegate: (any EngineDelegate)? { delegateBox.withLock { $0.value } }

    /// Default origin policy: clients without `Origin` (apps, scripts) and pages served by this very host.
    public static let sameHostOrigin: OriginPolicy = { origin, host in
        guard let origin else { return true }
        guard let host else { return false }
        let withoutScheme = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        return withoutScheme?.lowercased() == host.lowercased()
    }

    public var sessionCount: Int { sessions.withLock { $0.count } }

    public func session(_ id: String) -> EngineSession? { sessions.withLock { $0[id] } }

    // MARK: Handshake

    private func openSession(transport: EngineSession.Transport, handshake: HandshakeInfo) -> EngineSession {
        let session = EngineSession(id: Self.makeID(), transport: transport, handshake: handshake, configuration: configuration, now: .now)
        sessions.withLock { $0[session.id] = session }
        let upgrades = configuration.allowUpgrades && transport == .polling ? #"["websocket"]"# : "[]"
        let open = #"{"sid":"\#(session.id)","upgrades":\#(upgrades),"pingInterval":\#(configuration.pingInterval),"pingTimeout":\#(configuration.pingTimeout),"maxPayload":\#(configuration.maxPayload)}"#
        session.send(.text(.open, open))
        return session
    }

    /// 20 URL-safe random characters, as the reference server makes them.
    static func makeID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt8(alphabet.count)))] })
    }

    // MARK: Long-polling

    /// CORS headers for an allowed browser origin.
    private func corsHeaders(_ origin: String?) -> [String: String] {
        guard let origin else { return [:] }
        return ["access-control-allow-origin": origin, "access-control-allow-credentials": "true", "vary": "Origin"]
    }

    public func handlePolling(_ request: PollingRequest) async -> PollingResponse {
        let origin = request.headers["origin"]
        guard originPolicy(origin, request.headers["host"]) else {
            logger.notice("refused polling request from origin \(origin ?? "-")")
            return .error(.forbidden, cors: [:])
        }
        let cors = corsHeaders(origin)
        if request.method == "OPTIONS" {
            var headers = cors
            headers["access-control-allow-methods"] = "GET, POST, OPTIONS"
            headers["access-control-allow-headers"] = request.headers["access-control-request-headers"] ?? "content-type"
            return PollingResponse(status: 204, headers: headers, body: "")
        }
        guard request.query["EIO"] == "4" else { return .error(.unsupportedProtocolVersion, cors: cors) }
        switch request.query["transport"] {
        case "polling": break
        case "websocket": return .error(.badRequest, cors: cors)  // a WebSocket request without an upgrade
        default: return .error(.unknownTransport, cors: cors)
        }

        guard let sid = request.query["sid"] else {
            guard request.method == "GET" else { return .error(.badHandshakeMethod, cors: cors) }
            let handshake = HandshakeInfo(headers: request.headers, query: request.query, remoteAddress: request.remoteAddress)
            let session = openSession(transport: .polling, handshake: handshake)
            await delegate?.engineSessionOpened(session)
            return await poll(session, cors: cors)
        }
        guard let session = session(sid) else { return .error(.unknownSession, cors: cors) }
        // A pong overdue at this very moment ends the session now, not at the next heartbeat sweep.
        if case .closed(let reason) = session.heartbeat(now: .now), reason == .pingTimeout || reason == .slowClient {
            await finalize(session)
            return .error(.unknownSession, cors: cors)
        }
        switch request.method {
        case "GET":
            // A poll after the probe is the one that ends polling (a noop), unless the client's
            // upgrade packet, sent before it on the WebSocket, is still on its way: give that
            // connection a moment, since after the upgrade polling requests are refused.
            await Self.settleUpgrade(session)
            guard session.transport != .websocket else {
                // Answered a moment late, so the upgraded connection's last answers (`3probe`)
                // reach the client before the refusal of its stray poll.
                try? await Task.sleep(for: .milliseconds(10))
                return .error(.badRequest, cors: cors)
            }
            return await poll(session, cors: cors)
        case "POST":
            return await receivePost(request, session: session, cors: cors)
        default:
            return .error(.badRequest, cors: cors)
        }
    }

    private func poll(_ session: EngineSession, cors: [String: String]) async -> PollingResponse {
        guard session.beginPolling(.get) else {
            // The poll already waiting is answered with a close packet; this one is refused.
            logger.notice("session \(session.id): overlapping polls; closing")
            await close(session, .transportError, notifyClient: true)
            return .error(.badRequest, cors: cors)
        }
        defer { session.endPolling(.get) }
        switch await session.nextPollingBatch() {
        case .packets(let packets):
            if packets == [.noop] {
                // Released by the probe: a client that sent its upgrade packet right after the
                // probe has left polling, and this poll is refused like any after the upgrade.
                await Self.settleUpgrade(session)
                if session.transport == .websocket { return .error(.badRequest, cors: cors) }
            }
            return .text(EngineCodec.encodePayload(packets), cors: cors)
        case .closed(let reason):
            await finalize(session)
            // The client closed the session itself (a `1` in a POST): its waiting poll ends quietly.
            if reason == .transportClose { return .text(EngineCodec.encodePayload([.noop]), cors: cors) }
            return .error(.unknownSession, cors: cors)
        }
    }

    /// Once the probe came, the upgrade packet is normally right behind it on the WebSocket, which
    /// another thread reads: waits up to 20 ms for it, so a poll is judged after it, as the client
    /// sent them.
    private static func settleUpgrade(_ session: EngineSession) async {
        guard session.isProbed else { return }
        let deadline = ContinuousClock.now + .milliseconds(20)
        while session.isProbed, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(1)) }
    }

    private func receivePost(_ request: PollingRequest, session: EngineSession, cors: [String: String]) async -> PollingResponse {
        guard session.beginPolling(.post) else {
            await close(session, .transportError, notifyClient: false)
            return .error(.badRequest, cors: cors)
        }
        defer { session.endPolling(.post) }
        if request.bodyTooLarge || request.body.count > configuration.maxPayload {
            logger.notice("session \(session.id): payload over maxPayload; closing")
            await close(session, .transportError, notifyClient: false)
            return PollingResponse(status: 413, headers: cors, body: "")
        }
        do {
            guard let body = String(validating: request.body, as: UTF8.self) else {
                throw EngineDecodingError(description: "payload is not UTF-8")
            }
            for packet in try EngineCodec.decodePayload(body) {
                try await handleInbound(packet, session: session)
            }
        } catch {
            logger.notice("session \(session.id): \(error); closing")
            await close(session, .transportError, notifyClient: false)
            return .error(.badRequest, cors: cors)
        }
        return .text("ok", cors: cors)
    }

    // MARK: Inbound packets (both transports)

    private func handleInbound(_ packet: EnginePacket, session: EngineSession) async throws {
        switch packet {
        case .text(.pong, _):
            session.pongReceived()
        case .text(.ping, let payload):
            session.send(.text(.pong, payload))
        case .text(.message, let text):
            try await delegate?.engineSession(session, received: .text(text))
        case .binary(let bytes):
            try await delegate?.engineSession(session, received: .binary(bytes))
        case .text(.close, _):
            // Over polling, the poll that may be on its way (sent with the close, as clients do)
            // still gets its noop; that poll, or the next heartbeat sweep, removes the session.
            session.close(.transportClose, notifyClient: false)
            if session.transport != .polling { await finalize(session) }
        case .text(.noop, _):
            break
        case .text(.open, _), .text(.upgrade, _), .encoded:
            throw EngineDecodingError(description: "unexpected packet from client")
        }
    }

    // MARK: WebSocket (the transport itself is EngineWebSocketHandler)

    /// Why a WebSocket upgrade request must be refused, or nil to accept it (checked before the 101).
    public func webSocketRefusal(query: [String: String], headers: [String: String]) -> EngineError? {
        guard originPolicy(headers["origin"], headers["host"]) else { return .forbidden }
        guard query["EIO"] == "4" else { return .unsupportedProtocolVersion }
        guard query["transport"] == "websocket" else { return .unknownTransport }
        // A second WebSocket for a session that has upgraded already is accepted and closed at once
        // (as the reference server does; see SocketIOChildChannel); the session goes on on its first.
        if let sid = query["sid"], session(sid) == nil { return .unknownSession }
        return nil
    }

    /// Opens a session that starts on WebSocket (no sid in the query).
    func openWebSocketSession(handshake: HandshakeInfo) -> EngineSession {
        openSession(transport: .websocket, handshake: handshake)
    }

    /// Tells the delegate about a new session (run before any of its messages).
    func announce(_ session: EngineSession) async {
        await delegate?.engineSessionOpened(session)
    }

    /// One message from a push-mode WebSocket, after the upgrade if there was one.
    /// A protocol violation closes the session.
    func receive(_ frame: WebSocketMessageFrame, from session: EngineSession) async {
        guard !session.isClosed else { return }
        do {
            switch frame {
            case .text(let text):
                try await handleInbound(try EngineCodec.decodeText(Substring(text)), session: session)
            case .binary(let bytes):
                try await handleInbound(.binary(bytes), session: session)
            }
        } catch {
            logger.notice("session \(session.id): \(error); closing")
            await close(session, .transportError, notifyClient: false)
        }
    }

    // MARK: Closing and heartbeats

    /// Closes a session (once) and tells the delegate.
    public func close(_ session: EngineSession, _ reason: CloseReason, notifyClient: Bool) async {
        session.close(reason, notifyClient: notifyClient)
        if !notifyClient { await finalize(session) }
    }

    /// Removes a closed session from the table and tells the delegate, exactly once.
    private func finalize(_ session: EngineSession) async {
        guard let reason = session.closeReason else { return }
        let removed = sessions.withLock { $0.removeValue(forKey: session.id) != nil }
        guard removed else { return }
        logger.debug("session \(session.id) closed: \(reason.rawValue)")
        await delegate?.engineSessionClosed(session, reason: reason)
    }

    /// Pings every session when due and ends those that stopped answering or reading.
    /// Runs until cancelled; one loop serves all sessions.
    public func runHeartbeat() async {
        let tick = max(20, min(500, min(configuration.pingInterval, configuration.pingTimeout) / 5))
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(tick))
            let now = ContinuousClock.now
            for session in sessions.withLock({ Array($0.values) }) {
                if case .closed(let reason) = session.heartbeat(now: now) {
                    if reason == .pingTimeout || reason == .slowClient {
                        logger.info("session \(session.id) closed: \(reason.rawValue)")
                    }
                    await finalize(session)
                }
            }
        }
    }

    /// Tells every client the server is going away (Engine.IO close packet), gives the
    /// writers a moment to flush, then ends all sessions.
    public func shutdown(grace: Duration = .milliseconds(500)) async {
        let all = sessions.withLock { Array($0.values) }
        for session in all { session.close(.serverShutdown, notifyClient: true) }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, sessions.withLock({ !$0.isEmpty }) {
            try? await Task.sleep(for: .milliseconds(10))
            // Polling sessions are finalized when their close packet is fetched; stop waiting when nothing is pending.
            if all.allSatisfy({ $0.transport != .websocket }) { break }
        }
        for session in all { await finalize(session) }
    }
}
