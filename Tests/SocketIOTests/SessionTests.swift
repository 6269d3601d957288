import Synchronization
import Testing
@testable import SocketIO

@Suite("Engine.IO session state machine")
struct SessionTests {
    func makeSession(_ transport: EngineSession.Transport = .polling, configure: (inout EngineConfiguration) -> Void = { _ in }) -> EngineSession {
        var configuration = EngineConfiguration()
        configure(&configuration)
        return EngineSession(id: "s", transport: transport, handshake: HandshakeInfo(headers: [:], query: [:], remoteAddress: nil), configuration: configuration, now: .now)
    }

    @Test("a poll takes everything queued, in order")
    func pollTakesAll() async {
        let session = makeSession()
        session.send(.message("a"))
        session.send([.message("b"), .binary([1])])
        #expect(await session.nextPollingBatch() == .packets([.message("a"), .message("b"), .binary([1])]))
    }

    @Test("a waiting poll wakes up when a packet is sent")
    func pollWaits() async {
        let session = makeSession()
        async let batch = session.nextPollingBatch()
        try? await Task.sleep(for: .milliseconds(20))
        session.send(.message("late"))
        #expect(await batch == .packets([.message("late")]))
    }

    @Test("upgrade: the probe releases the poll with a noop; the WebSocket takes over after 5, and is pushed to")
    func upgrade() async {
        let session = makeSession()
        let pushes = Mutex(0)
        session.setPushSink { pushes.withLock { $0 += 1 } }
        async let poll = session.nextPollingBatch()
        try? await Task.sleep(for: .milliseconds(20))
        #expect(session.beginUpgrade())
        session.send(.message("queued during upgrade"))
        session.probeReceived()
        #expect(await poll == .packets([.noop]))
        // Until the upgrade completes the WebSocket gets nothing; what was queued waits for it.
        #expect(session.takeBatch(for: .webSocket) == nil)
        let before = pushes.withLock { $0 }
        #expect(session.completeUpgrade())
        #expect(pushes.withLock { $0 } > before)
        #expect(session.takeBatch(for: .webSocket) == .packets([.message("queued during upgrade")]))
        #expect(session.takeBatch(for: .webSocket) == nil)
        #expect(session.transport == .websocket)
        #expect(!session.beginUpgrade())
    }

    @Test("an outbox over its byte limit closes the session as a slow client")
    func slowClientBytes() async {
        let session = makeSession { $0.maxOutboxBytes = 1000 }
        #expect(session.send(.message(String(repeating: "x", count: 600))))
        #expect(!session.send(.message(String(repeating: "y", count: 600))))
        #expect(session.closeReason == .slowClient)
        #expect(await session.nextPollingBatch() == .closed(.slowClient))
    }

    @Test("heartbeat: ping when due, timeout when no pong, alive when pong comes")
    func heartbeat() async {
        let session = makeSession { $0.pingInterval = 100; $0.pingTimeout = 50 }
        let start = ContinuousClock.now
        #expect(session.heartbeat(now: start + .milliseconds(50)) == .alive)
        #expect(session.heartbeat(now: start + .milliseconds(110)) == .alive)
        #expect(await session.nextPollingBatch() == .packets([.ping]))
        session.pongReceived(now: start + .milliseconds(120))
        #expect(session.heartbeat(now: start + .milliseconds(200)) == .alive)
        #expect(session.heartbeat(now: start + .milliseconds(230)) == .alive)  // second ping sent
        #expect(session.heartbeat(now: start + .milliseconds(290)) == .closed(.pingTimeout))
    }

    @Test("server close delivers what was queued, then the close packet, then the end")
    func closeFlushes() async {
        let session = makeSession()
        session.send(.message("last words"))
        #expect(session.close(.serverShutdown, notifyClient: true))
        #expect(!session.close(.forcedClose, notifyClient: true))
        #expect(await session.nextPollingBatch() == .packets([.message("last words"), .close]))
        #expect(await session.nextPollingBatch() == .closed(.serverShutdown))
    }

    @Test("the token bucket allows a burst, then refills at its rate")
    func tokenBucket() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(RateLimit(eventsPerSecond: 10, burst: 3), now: start)
        #expect(bucket.take(now: start) == nil)
        #expect(bucket.take(now: start) == nil)
        #expect(bucket.take(now: start) == nil)
        #expect(bucket.take(now: start) == 100)
        #expect(bucket.take(now: start + .milliseconds(100)) == nil)
    }
}
