import Logging
import Synchronization

/// A Socket.IO v5 server over Engine.IO v4. It knows nothing about the application:
/// register handlers on namespaces, emit to sockets, rooms or everyone.
///
/// ```swift
/// let io = SocketIOServer()
/// io.sockets.on("hello") { socket, arguments, ack in ack?("hi") }
/// io.sockets.to("room").emit("news", "…")
/// ```
public final class SocketIOServer: EngineDelegate {
    public let engine: EngineServer
    public let configuration: SocketIOConfiguration
    private let logger: Logger
    private let namespaces = Mutex<[String: Namespace]>([:])
    private let clients = Mutex<[String: ClientConnection]>([:])

    /// Per engine session: its packet decoder and its sockets by namespace.
    private final class ClientConnection: Sendable {
        struct State {
            var decoder: PacketDecoder
            var sockets: [String: Socket] = [:]
        }
        let state: Mutex<State>
        let session: EngineSession
        let openedAt = ContinuousClock.now
        init(session: EngineSession, limits: PacketLimits) {
            self.session = session
            state = Mutex(State(decoder: PacketDecoder(limits: limits)))
        }
    }

    public init(configuration: SocketIOConfiguration = .init(), originPolicy: @escaping OriginPolicy = EngineServer.sameHostOrigin, logger: Logger = Logger(label: "socketio")) {
        self.configuration = configuration
        self.logger = logger
        engine = EngineServer(configuration: configuration.engine, originPolicy: originPolicy, logger: logger)
        engine.setDelegate(self)
        _ = of("/")
    }

    /// The namespace `name`, created on first use. Clients may connect only to namespaces that exist.
    public func of(_ name: String) -> Namespace {
        namespaces.withLock { namespaces in
            if let existing = namespaces[name] { return existing }
            let namespace = Namespace(name: name, server: self)
            namespaces[name] = namespace
            return namespace
        }
    }

    /// The main namespace, `/`.
    public var sockets: Namespace { of("/") }

    // MARK: EngineDelegate

    public func engineSessionOpened(_ session: EngineSession) async {
        let client = ClientConnection(session: session, limits: configuration.limits)
        clients.withLock { $0[session.id] = client }
    }

    public func engineSession(_ session: EngineSession, received message: WebSocketMessageFrame) async throws {
        guard let client = clients.withLock({ $0[session.id] }) else { return }
        let packet = try client.state.withLock { state throws(SocketProtocolError) -> SocketPacket? in
            switch message {
            case .text(let text): try state.decoder.decode(text: text)
            case .binary(let bytes): try state.decoder.decode(binary: bytes)
            }
        }
        guard let packet else { return }
        try await handle(packet, session: session, client: client)
    }

    public func engineSessionClosed(_ session: EngineSession, reason: CloseReason) async {
        guard let client = clients.withLock({ $0.removeValue(forKey: session.id) }) else { return }
        let sockets = client.state.withLock { Array($0.sockets.values) }
        for socket in sockets { await socket.namespace.remove(socket, reason: DisconnectReason(reason)) }
    }

    // MARK: Packets

    private func handle(_ packet: SocketPacket, session: EngineSession, client: ClientConnection) async throws {
        let socket = client.state.withLock { $0.sockets[packet.namespace] }
        switch packet.type {
        case .connect:
            if let socket {
                // Already connected: confirm again rather than making a second socket.
                socket.send(SocketPacket(.connect, namespace: packet.namespace, data: .object(["sid": .string(socket.id)])))
                return
            }
            guard let namespace = namespaces.withLock({ $0[packet.namespace] }) else {
                session.send(PacketEncoder.encode(SocketPacket(.connectError, namespace: packet.namespace, data: .object(["message": "Invalid namespace"]))))
                return
            }
            switch await namespace.connect(session: session, auth: packet.data, rateLimit: configuration.eventRateLimit) {
            case .success(let socket):
                client.state.withLock { $0.sockets[packet.namespace] = socket }
            case .failure(let rejection):
                var data: [String: SocketValue] = ["message": .string(rejection.message)]
                if let extra = rejection.data { data["data"] = extra }
                session.send(PacketEncoder.encode(SocketPacket(.connectError, namespace: packet.namespace, data: .object(data))))
            }
        case .disconnect:
            if let socket { await socket.namespace.remove(socket, reason: .clientNamespaceDisconnect) }
        case .event, .binaryEvent:
            guard let socket else { throw SocketProtocolError("event for namespace \(packet.namespace) before CONNECT") }
            guard case .array(let values)? = packet.data, case .string(let event)? = values.first else { return }
            socket.namespace.dispatch(socket, event: event, arguments: Array(values.dropFirst()), ackID: packet.id)
        case .ack, .binaryAck:
            guard let socket, let id = packet.id else { return }
            socket.resolveAck(id, with: .success(packet.data?.arrayValue ?? []))
        case .connectError:
            throw SocketProtocolError("CONNECT_ERROR from a client")
        }
    }

    /// Called by a namespace when one of its sockets is gone.
    func forget(_ socket: Socket) {
        guard let client = clients.withLock({ $0[socket.session.id] }) else { return }
        client.state.withLock { state in
            if state.sockets[socket.namespace.name] === socket { state.sockets[socket.namespace.name] = nil }
        }
    }

    // MARK: Running

    /// Runs the heartbeat and the connect-timeout sweep until cancelled
    /// (run it as a service beside the HTTP server, see ``SocketIOService``).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.engine.runHeartbeat() }
            group.addTask { await self.closeSessionsWithoutNamespace() }
        }
    }

    /// A session that joins no namespace within `connectTimeout` is closed, so half-open
    /// connections cannot pile up. One loop checks them all.
    private func closeSessionsWithoutNamespace() async {
        let timeout = Duration.milliseconds(configuration.engine.connectTimeout)
        let tick = min(Duration.seconds(1), timeout / 4)
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let stale = clients.withLock { clients in
                clients.values.filter { now - $0.openedAt > timeout && $0.state.withLock { $0.sockets.isEmpty } }
            }
            for client in stale { await engine.close(client.session, .forcedClose, notifyClient: true) }
        }
    }

    /// Tells every client the server is going away so they reconnect later.
    public func shutdown() async {
        await engine.shutdown()
    }
}
