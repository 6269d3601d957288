import Synchronization

/// One client's connection to one namespace.
public final class Socket: Sendable {
    /// Socket.IO id (not the Engine.IO session id).
    public let id: String
    public let namespace: Namespace
    /// The `auth` object the client sent with CONNECT.
    public let auth: SocketValue?
    let session: EngineSession

    private struct State {
        var connected = true
        var rooms: Set<String> = []
        var data: [String: SocketValue] = [:]
        var nextAckID: Int64 = 0
        var pendingAcks: [Int64: CheckedContinuation<[SocketValue], any Error>] = [:]
        var bucket: TokenBucket?
    }

    private let state: Mutex<State>

    /// Handler jobs of this socket, run one after another: events are handled in the order they
    /// arrived, and a handler that waits (for a client's ack, say) never blocks the transport, which
    /// keeps delivering acks and pings. A drainer task exists only while jobs wait, so an idle
    /// socket costs no task.
    private let jobs = SerialJobQueue(maxQueued: Socket.maxQueuedJobs)
    /// Most handler jobs that may wait; beyond that events count as a flood and are refused.
    static let maxQueuedJobs = 256

    init(id: String, namespace: Namespace, session: EngineSession, auth: SocketValue?, rateLimit: RateLimit?) {
        self.id = id
        self.namespace = namespace
        self.session = session
        self.auth = auth
        var initial = State()
        initial.bucket = rateLimit.map { TokenBucket($0) }
        state = Mutex(initial)
    }

    /// Queues a handler job; false when the queue is full or the socket is gone.
    func enqueue(_ job: @escaping @Sendable () async -> Void) -> Bool { jobs.enqueue(job) }

    public var handshake: HandshakeInfo { session.handshake }
    public var engineSessionID: String { session.id }
    public var isConnected: Bool { state.withLock { $0.connected } }
    public var rooms: Set<String> { state.withLock { $0.rooms } }

    // MARK: Per-socket data

    public func data(_ key: String) -> SocketValue? { state.withLock { $0.data[key] } }
    public func setData(_ key: String, _ value: SocketValue?) { state.withLock { $0.data[key] = value } }

    // MARK: Emitting

    /// Sends an event to this client.
    public func emit(_ event: String, _ arguments: SocketValue...) { emit(event, arguments) }

    public func emit(_ event: String, _ arguments: [SocketValue]) {
        send(SocketPacket(.event, namespace: namespace.name, data: .array([.string(event)] + arguments)))
    }

    /// Sends an event and waits for the client's acknowledgement.
    public func emitWithAck(_ event: String, _ arguments: [SocketValue], timeout: Duration = .seconds(10)) async throws -> [SocketValue] {
        let ackID = state.withLock { state -> Int64? in
            guard state.connected else { return nil }
            defer { state.nextAckID += 1 }
            return state.nextAckID
        }
        guard let ackID else { throw SocketIOError.disconnected }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.resolveAck(ackID, with: .failure(SocketIOError.ackTimeout))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let registered = state.withLock { state -> Bool in
                guard state.connected else { return false }
                state.pendingAcks[ackID] = continuation
                return true
            }
            guard registered else { return continuation.resume(throwing: SocketIOError.disconnected) }
            send(SocketPacket(.event, namespace: namespace.name, id: ackID, data: .array([.string(event)] + arguments)))
        }
    }

    func resolveAck(_ id: Int64, with result: Result<[SocketValue], any Error>) {
        let continuation = state.withLock { $0.pendingAcks.removeValue(forKey: id) }
        continuation?.resume(with: result)
    }

    func send(_ packet: SocketPacket) {
        guard isConnected else { return }
        session.send(PacketEncoder.encode(packet))
    }

    func send(encoded packets: [EnginePacket]) {
        session.send(packets)
    }

    // MARK: Rooms

    public func join(_ room: String) {
        state.withLock { _ = $0.rooms.insert(room) }
        namespace.rooms.add(self, to: room)
    }

    public func leave(_ room: String) {
        state.withLock { _ = $0.rooms.remove(room) }
        namespace.rooms.remove(self, from: room)
    }

    /// Every socket of the namespace but this one.
    public var broadcast: BroadcastOperator { namespace.except(id) }

    // MARK: Rate limit

    /// Takes one event from the bucket; returns ms to wait when over the limit.
    func takeRateToken() -> Int? { state.withLock { $0.bucket?.take() } }

    // MARK: Disconnect

    /// Disconnects from this namespace (a DISCONNECT packet to the client);
    /// with `closeConnection`, also closes the underlying connection.
    public func disconnect(closeConnection: Bool = false) async {
        if isConnected { send(SocketPacket(.disconnect, namespace: namespace.name)) }
        await namespace.remove(self, reason: .serverNamespaceDisconnect)
        if closeConnection { await namespace.server?.engine.close(session, .forcedClose, notifyClient: true) }
    }

    /// Closes the client's whole connection with an Engine.IO close packet, as a restarting server
    /// does: clients see a transport close and reconnect by themselves.
    public func closeTransport() async {
        await namespace.server?.engine.close(session, .forcedClose, notifyClient: true)
    }

    /// Marks the socket gone and fails its pending acknowledgements. Returns the rooms it was in.
    func markDisconnected() -> Set<String>? {
        let (rooms, pending) = state.withLock { state -> (Set<String>?, [CheckedContinuation<[SocketValue], any Error>]) in
            guard state.connected else { return (nil, []) }
            state.connected = false
            defer { state.pendingAcks.removeAll() }
            return (state.rooms, Array(state.pendingAcks.values))
        }
        for continuation in pending { continuation.resume(throwing: SocketIOError.disconnected) }
        if rooms != nil { jobs.close() }
        return rooms
    }
}

/// Answers a client's event that asked for an acknowledgement. Only the first answer is sent.
public final class Acknowledgement: Sendable {
    private let socket: Socket
    private let id: Int64
    private let sent = Mutex(false)

    init(socket: Socket, id: Int64) {
        self.socket = socket
        self.id = id
    }

    public func callAsFunction(_ arguments: SocketValue...) { send(arguments) }

    public func send(_ arguments: [SocketValue]) {
        let first = sent.withLock { sent -> Bool in
            defer { sent = true }
            return !sent
        }
        guard first else { return }
        socket.send(SocketPacket(.ack, namespace: socket.namespace.name, id: id, data: .array(arguments)))
    }
}
