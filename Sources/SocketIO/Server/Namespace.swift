import Synchronization

/// Handles a client event: the socket, the event's arguments, and the acknowledgement
/// when the client asked for one.
public typealias EventHandler = @Sendable (Socket, [SocketValue], Acknowledgement?) async -> Void

/// Decides whether a CONNECT to a namespace is accepted, from the handshake and the `auth` object.
public typealias Authorizer = @Sendable (HandshakeInfo, SocketValue?) async -> ConnectDecision

/// A Socket.IO namespace: its event handlers, sockets and rooms.
public final class Namespace: Sendable {
    public let name: String
    let rooms = RoomRegistry()
    private let weakServer: Mutex<WeakServer>

    private struct WeakServer { weak var value: SocketIOServer? }

    private struct Handlers {
        var events: [String: EventHandler] = [:]
        var connection: [@Sendable (Socket) async -> Void] = []
        var disconnect: [@Sendable (Socket, DisconnectReason) async -> Void] = []
        var rateLimited: (@Sendable (Socket, String, Int) async -> Void)?
        var authorizer: Authorizer?
    }

    private let handlers = Mutex(Handlers())
    private let sockets = Mutex<[String: Socket]>([:])

    init(name: String, server: SocketIOServer) {
        self.name = name
        weakServer = Mutex(WeakServer(value: server))
    }

    var server: SocketIOServer? { weakServer.withLock { $0.value } }

    // MARK: Registering handlers

    /// Handles event `event` from clients of this namespace (one handler per event name).
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        handlers.withLock { $0.events[event] = handler }
    }

    public func onConnection(_ handler: @escaping @Sendable (Socket) async -> Void) {
        handlers.withLock { $0.connection.append(handler) }
    }

    public func onDisconnect(_ handler: @escaping @Sendable (Socket, DisconnectReason) async -> Void) {
        handlers.withLock { $0.disconnect.append(handler) }
    }

    /// Called instead of the event handler when a socket exceeds the event rate limit,
    /// with the event name and the milliseconds until it may send again.
    public func onRateLimited(_ handler: @escaping @Sendable (Socket, String, Int) async -> Void) {
        handlers.withLock { $0.rateLimited = handler }
    }

    /// Accepts or rejects each CONNECT (for example by checking `auth.token`).
    public func authorize(_ authorizer: @escaping Authorizer) {
        handlers.withLock { $0.authorizer = authorizer }
    }

    // MARK: Broadcasting

    public func emit(_ event: String, _ arguments: SocketValue...) { BroadcastOperator(namespace: self).emit(event, arguments) }
    public func emit(_ event: String, _ arguments: [SocketValue]) { BroadcastOperator(namespace: self).emit(event, arguments) }
    public func to(_ room: String) -> BroadcastOperator { BroadcastOperator(namespace: self).to(room) }
    public func except(_ room: String) -> BroadcastOperator { BroadcastOperator(namespace: self).except(room) }

    public var socketCount: Int { sockets.withLock { $0.count } }
    var allSockets: [Socket] { sockets.withLock { Array($0.values) } }
    public func socket(_ id: String) -> Socket? { sockets.withLock { $0[id] } }

    // MARK: Lifecycle (called by the server)

    func connect(session: EngineSession, auth: SocketValue?, rateLimit: RateLimit?) async -> Result<Socket, ConnectRejection> {
        let authorizer = handlers.withLock { $0.authorizer }
        if let authorizer, case .reject(let message, let data) = await authorizer(session.handshake, auth) {
            return .failure(ConnectRejection(message: message, data: data))
        }
        let socket = Socket(id: EngineServer.makeID(), namespace: self, session: session, auth: auth, rateLimit: rateLimit)
        sockets.withLock { $0[socket.id] = socket }
        socket.join(socket.id)
        socket.send(SocketPacket(.connect, namespace: name, data: .object(["sid": .string(socket.id)])))
        let connectionHandlers = handlers.withLock { $0.connection }
        _ = socket.enqueue {
            for handler in connectionHandlers { await handler(socket) }
        }
        return .success(socket)
    }

    /// Queues the event's handler on the socket. Over the rate limit, or with the socket's queue
    /// full, the rate-limited handler is told instead and the event is dropped.
    func dispatch(_ socket: Socket, event: String, arguments: [SocketValue], ackID: Int64?) {
        let (handler, limited) = handlers.withLock { ($0.events[event], $0.rateLimited) }
        var retryAfter = socket.takeRateToken()
        if retryAfter == nil, let handler {
            let ack = ackID.map { Acknowledgement(socket: socket, id: $0) }
            if socket.enqueue({ await handler(socket, arguments, ack) }) { return }
            retryAfter = 1000
        }
        if let retryAfter, let limited {
            _ = socket.enqueue { await limited(socket, event, retryAfter) }
        }
    }

    func remove(_ socket: Socket, reason: DisconnectReason) async {
        guard let joined = socket.markDisconnected() else { return }
        sockets.withLock { $0[socket.id] = nil }
        for room in joined { rooms.remove(socket, from: room) }
        server?.forget(socket)
        for handler in handlers.withLock({ $0.disconnect }) { await handler(socket, reason) }
    }
}

struct ConnectRejection: Error {
    var message: String
    var data: SocketValue?
}
