import DequeModule
import Synchronization

/// What a client sent when it opened its session: for auth hooks, logging and CORS decisions.
public struct HandshakeInfo: Sendable {
    /// Header names in lowercase.
    public var headers: [String: String]
    public var query: [String: String]
    public var remoteAddress: String?

    public init(headers: [String: String], query: [String: String], remoteAddress: String?) {
        self.headers = headers
        self.query = query
        self.remoteAddress = remoteAddress
    }
}

/// One Engine.IO client connection, whatever its transport.
///
/// All state sits behind one lock in a small state machine:
/// `polling` → (`upgrading` → `websocket`) → `closed`. Outgoing packets wait in a byte-bounded
/// outbox that exactly one consumer drains at a time: the pending polling `GET`, or the WebSocket
/// writer once the upgrade is complete. A client that lets its outbox grow past the limits is
/// disconnected, so one stalled phone can neither hold memory nor slow anybody else down.
public final class EngineSession: Sendable {
    public enum Transport: Sendable, Equatable { case polling, upgrading, websocket }

    /// What the consumer gets: packets to write, or the news that the session ended.
    enum Batch: Equatable {
        case packets([EnginePacket])
        case closed(CloseReason)
    }

    enum HeartbeatOutcome: Equatable { case alive, closed(CloseReason) }

    private struct State {
        var transport: Transport
        var closeReason: CloseReason?
        var outbox: Deque<EnginePacket> = []
        var outboxBytes = 0
        var oldestQueuedAt: ContinuousClock.Instant?
        /// The polling GET waiting for packets, if any.
        var pollingConsumer: CheckedContinuation<Void, Never>?
        /// The WebSocket transport (a channel handler) is pushed to: told, never awaited.
        var pushSink: (@Sendable () -> Void)?
        /// Set when the upgrade probe arrives: from then on polls get a lone noop.
        var probed = false
        var pollingGetActive = false
        var pollingPostActive = false
        var nextPingAt: ContinuousClock.Instant
        var pongDeadline: ContinuousClock.Instant?
    }

    public let id: String
    public let handshake: HandshakeInfo
    let configuration: EngineConfiguration
    private let state: Mutex<State>

    init(id: String, transport: Transport, handshake: HandshakeInfo, configuration: EngineConfiguration, now: ContinuousClock.Instant) {
        self.id = id
        self.handshake = handshake
        self.configuration = configuration
        state = Mutex(State(transport: transport, nextPingAt: now + .milliseconds(configuration.pingInterval)))
    }

    public var transport: Transport { state.withLock { $0.transport } }
    public var closeReason: CloseReason? { state.withLock { $0.closeReason } }
    public var isClosed: Bool { closeReason != nil }

    // MARK: Sending

    /// Queues packets to go out together, in order. Returns false when the session is closed
    /// or has just been closed for exceeding the slow-client limit.
    @discardableResult
    func send(_ packets: [EnginePacket]) -> Bool {
        let (accepted, consumers) = state.withLock { state -> (Bool, Wakeup) in
            guard state.closeReason == nil else { return (false, Wakeup()) }
            let bytes = packets.reduce(0) { $0 + $1.byteCount }
            if state.outboxBytes + bytes > configuration.maxOutboxBytes {
                return (false, Self.close(&state, .slowClient, notifyClient: false))
            }
            state.outbox.append(contentsOf: packets)
            state.outboxBytes += bytes
            if state.oldestQueuedAt == nil { state.oldestQueuedAt = .now }
            return (true, Self.takeConsumers(&state))
        }
        consumers.fire()
        return accepted
    }

    @discardableResult
    func send(_ packet: EnginePacket) -> Bool { send([packet]) }

    /// Queues one message for the client, text or binary; false once the session is closed.
    @discardableResult
    public func sendMessage(_ message: WebSocketMessageFrame) -> Bool {
        switch message {
        case .text(let text): send(.text(.message, text))
        case .binary(let bytes): send(.binary(bytes))
        }
    }

    // MARK: Consuming

    /// Who drains the outbox.
    enum Consumer { case polling, webSocket }

    /// For a polling GET: waits for packets to write. Returns everything queued at once (a polling
    /// response carries them all), or `.closed` once the session ended and its last packets were
    /// taken. A poll that comes after the upgrade probe gets a lone noop, which ends polling cleanly.
    func nextPollingBatch() async -> Batch {
        while true {
            if let ready = takeBatch(for: .polling) { return ready }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if Self.canProceed(state, .polling) { return true }
                    state.pollingConsumer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    private static func canProceed(_ state: State, _ consumer: Consumer) -> Bool {
        if state.closeReason != nil { return true }
        switch consumer {
        case .polling: return state.probed || (state.transport == .polling && !state.outbox.isEmpty)
        case .webSocket: return state.transport == .websocket && !state.outbox.isEmpty
        }
    }

    private static func ready(_ state: inout State, for consumer: Consumer) -> Batch? {
        if consumer == .polling, state.probed, state.closeReason == nil { return .packets([.noop]) }
        guard canProceed(state, consumer) else { return nil }
        if !state.outbox.isEmpty {
            let packets = Array(state.outbox)
            state.outbox.removeAll(keepingCapacity: true)
            state.outboxBytes = 0
            state.oldestQueuedAt = nil
            return .packets(packets)
        }
        if let reason = state.closeReason { return .closed(reason) }
        return nil
    }

    /// Whom to wake after a change, gathered under the lock and woken outside it.
    struct Wakeup {
        var poll: CheckedContinuation<Void, Never>?
        var sink: (@Sendable () -> Void)?

        func fire() {
            poll?.resume()
            sink?()
        }
    }

    /// Wakes the waiting poll and the push transport; each re-checks whether it has something to do.
    private static func takeConsumers(_ state: inout State) -> Wakeup {
        defer { state.pollingConsumer = nil }
        return Wakeup(poll: state.pollingConsumer, sink: state.pushSink)
    }

    /// Installs (or removes) the push-mode transport's wake-up call, and calls it once.
    func setPushSink(_ sink: (@Sendable () -> Void)?) {
        state.withLock { $0.pushSink = sink }
        sink?()
    }

    /// What `consumer` may take now, without waiting (the WebSocket transport, and polls).
    func takeBatch(for consumer: Consumer) -> Batch? {
        state.withLock { Self.ready(&$0, for: consumer) }
    }

    // MARK: Polling request bookkeeping

    /// The two kinds of polling request; a client may have at most one of each in flight.
    enum PollingRequestKind { case get, post }

    /// Marks a polling request as started; false if one of its kind is already running
    /// (a protocol violation: the spec requires closing the session).
    func beginPolling(_ kind: PollingRequestKind) -> Bool {
        state.withLock { state in
            switch kind {
            case .get:
                guard !state.pollingGetActive else { return false }
                state.pollingGetActive = true
            case .post:
                guard !state.pollingPostActive else { return false }
                state.pollingPostActive = true
            }
            return true
        }
    }

    func endPolling(_ kind: PollingRequestKind) {
        state.withLock { state in
            switch kind {
            case .get: state.pollingGetActive = false
            case .post: state.pollingPostActive = false
            }
        }
    }

    // MARK: Upgrade

    /// A WebSocket with this session's id arrived. Only a polling session may upgrade.
    func beginUpgrade() -> Bool {
        state.withLock { state in
            guard state.closeReason == nil, state.transport == .polling else { return false }
            state.transport = .upgrading
            return true
        }
    }

    /// The probe (`2probe`) arrived over the WebSocket: release a waiting poll with a noop.
    func probeReceived() {
        let consumers = state.withLock { state -> Wakeup in
            guard state.transport == .upgrading else { return Wakeup() }
            state.probed = true
            return Self.takeConsumers(&state)
        }
        consumers.fire()
    }

    /// Whether the probe came over the WebSocket: the client has stopped polling, and a poll
    /// that starts now is one sent after its upgrade packet, which the server must ignore.
    var isProbed: Bool { state.withLock { $0.probed && $0.transport == .upgrading } }

    /// The upgrade packet (`5`) arrived: from now on the WebSocket carries everything.
    func completeUpgrade() -> Bool {
        let (done, consumers) = state.withLock { state -> (Bool, Wakeup) in
            guard state.transport == .upgrading else { return (false, Wakeup()) }
            state.transport = .websocket
            return (true, Self.takeConsumers(&state))
        }
        consumers.fire()
        return done
    }

    /// The WebSocket went away before the upgrade completed: stay on polling.
    func abandonUpgrade() {
        let consumers = state.withLock { state -> Wakeup in
            guard state.transport == .upgrading else { return Wakeup() }
            state.transport = .polling
            state.probed = false
            return Self.takeConsumers(&state)
        }
        consumers.fire()
    }

    // MARK: Heartbeat

    func pongReceived(now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.pongDeadline = nil
            state.nextPingAt = now + .milliseconds(configuration.pingInterval)
        }
    }

    /// Sends the next ping when it is due, and ends the session when a pong is overdue or the
    /// outbox has waited too long.
    func heartbeat(now: ContinuousClock.Instant) -> HeartbeatOutcome {
        let (outcome, consumers) = state.withLock { state -> (HeartbeatOutcome, Wakeup) in
            if let reason = state.closeReason { return (.closed(reason), Wakeup()) }
            if let deadline = state.pongDeadline, now > deadline {
                return (.closed(.pingTimeout), Self.close(&state, .pingTimeout, notifyClient: false))
            }
            if let oldest = state.oldestQueuedAt, now - oldest > .milliseconds(configuration.maxOutboxAge) {
                return (.closed(.slowClient), Self.close(&state, .slowClient, notifyClient: false))
            }
            // While upgrading, the probe exchange itself shows liveness; ping once it settles.
            if state.pongDeadline == nil, now >= state.nextPingAt, state.transport != .upgrading {
                state.outbox.append(.ping)
                state.outboxBytes += 1
                if state.oldestQueuedAt == nil { state.oldestQueuedAt = now }
                // Counted from when the ping was due, not from when the sweep got to it: the client
                // is owed pingInterval + pingTimeout, no more.
                state.pongDeadline = state.nextPingAt + .milliseconds(configuration.pingTimeout)
                return (.alive, Self.takeConsumers(&state))
            }
            return (.alive, Wakeup())
        }
        consumers.fire()
        return outcome
    }

    // MARK: Closing

    /// Ends the session. With `notifyClient`, a close packet goes out after what is queued.
    /// Returns false when it was closed already.
    @discardableResult
    func close(_ reason: CloseReason, notifyClient: Bool) -> Bool {
        let (changed, consumers) = state.withLock { state -> (Bool, Wakeup) in
            guard state.closeReason == nil else { return (false, Wakeup()) }
            return (true, Self.close(&state, reason, notifyClient: notifyClient))
        }
        consumers.fire()
        return changed
    }

    private static func close(_ state: inout State, _ reason: CloseReason, notifyClient: Bool) -> Wakeup {
        state.closeReason = reason
        if notifyClient {
            state.outbox.append(.close)
        } else {
            state.outbox.removeAll()
        }
        state.outboxBytes = 0
        return takeConsumers(&state)
    }
}
