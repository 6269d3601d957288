import NIOCore
import NIOWebSocket
import Synchronization

/// The Engine.IO WebSocket transport as a NIO channel handler: no task per connection.
///
/// Outgoing packets are pushed: the session calls back when it has something, and the handler
/// drains the outbox on its event loop while the channel is writable (when it is not, the outbox
/// fills and the slow-client limit applies). Incoming messages go to the Engine.IO server in
/// order, through a queue whose drainer task exists only while messages wait. An idle
/// connection costs the channel, this handler and its session: nothing else.
final class EngineWebSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// A polling session being upgraded waits for the probe, then for the upgrade packet.
    private enum Phase { case awaitingProbe, awaitingUpgrade, open, closed }

    private let engine: EngineServer
    private let session: EngineSession
    private let inbound: SerialJobQueue
    private var phase: Phase
    private var drainScheduled = false
    private weak var channelContext: ChannelHandlerContext?

    init(engine: EngineServer, session: EngineSession, upgrading: Bool) {
        self.engine = engine
        self.session = session
        inbound = SerialJobQueue(maxQueued: 1024)
        phase = upgrading ? .awaitingProbe : .open
        if !upgrading { inbound.enqueue { await engine.announce(session) } }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channelContext = context
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        session.setPushSink {
            loop.execute { handler.value.scheduleDrain() }
        }
    }

    // MARK: Outbound

    private func scheduleDrain() {
        guard !drainScheduled else { return }
        drainScheduled = true
        // Runs on the channel's event loop (the push sink hops there), so the handler may be used as is.
        channelContext?.eventLoop.assumeIsolated().execute { [self] in
            drainScheduled = false
            drain()
        }
    }

    private func drain() {
        guard let context = channelContext, phase == .open else { return }
        var wrote = false
        while true {
            guard context.channel.isWritable else {
                // A session that ended behind a client that stopped reading (slow client): nothing
                // more can be written, so drop the connection rather than hold it open.
                if session.isClosed {
                    phase = .closed
                    context.close(promise: nil)
                }
                break
            }
            guard let batch = session.takeBatch(for: .webSocket) else { break }
            switch batch {
            case .packets(let packets):
                for packet in packets { context.write(wrapOutboundOut(frame(for: packet, allocator: context.channel.allocator)), promise: nil) }
                wrote = true
            case .closed(let reason):
                closeConnection(context, code: reason == .serverShutdown ? .goingAway : .normalClosure)
                return
            }
        }
        if wrote { context.flush() }
    }

    private func frame(for packet: EnginePacket, allocator: ByteBufferAllocator) -> WebSocketFrame {
        switch packet {
        case .encoded(let shared):
            WebSocketFrame(fin: true, opcode: .text, data: shared.converted { ByteBuffer(string: $0) })
        case .text:
            WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: packet.frameText ?? ""))
        case .binary(let bytes):
            WebSocketFrame(fin: true, opcode: .binary, data: allocator.buffer(bytes: bytes))
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { drain() }
        context.fireChannelWritabilityChanged()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            received(text: String(buffer: frame.unmaskedData), context: context)
        case .binary:
            guard phase == .open else { return abandon(context) }
            deliver(.binary(Array(frame.unmaskedData.readableBytesView)), context: context)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            closeConnection(context, code: .normalClosure)
        default:
            break
        }
    }

    private func received(text: String, context: ChannelHandlerContext) {
        switch phase {
        case .awaitingProbe:
            guard text == "2probe" else { return abandon(context) }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: "3probe"))), promise: nil)
            session.probeReceived()
            phase = .awaitingUpgrade
        case .awaitingUpgrade:
            if text == "6" { return }
            guard text == "5", session.completeUpgrade() else { return abandon(context) }
            phase = .open
            drain()
        case .open:
            deliver(.text(text), context: context)
        case .closed:
            break
        }
    }

    private func deliver(_ message: WebSocketMessageFrame, context: ChannelHandlerContext) {
        let engine = engine, session = session
        guard inbound.enqueue({ await engine.receive(message, from: session) }) else {
            // More unprocessed messages than any honest client sends: treat as a protocol violation.
            inbound.enqueue { await engine.close(session, .transportError, notifyClient: false) }
            return closeConnection(context, code: .policyViolation)
        }
    }

    /// The upgrade broke off: the session goes on over polling.
    private func abandon(_ context: ChannelHandlerContext) {
        if phase == .awaitingProbe || phase == .awaitingUpgrade { session.abandonUpgrade() }
        closeConnection(context, code: .protocolError)
    }

    // MARK: Closing

    private func closeConnection(_ context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard phase != .closed else { return }
        let wasOpen = phase == .open
        phase = .closed
        var buffer = context.channel.allocator.buffer(capacity: 2)
        buffer.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: buffer)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
        if wasOpen { endSession(.transportClose) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase == .awaitingProbe || phase == .awaitingUpgrade {
            session.abandonUpgrade()
        } else if phase == .open {
            endSession(.transportClose)
        }
        phase = .closed
        session.setPushSink(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Oversized or malformed frames: NIO's protocol error handler has answered; end the session
        // (or, mid-upgrade, leave it on polling).
        if phase == .awaitingProbe || phase == .awaitingUpgrade {
            session.abandonUpgrade()
        } else if phase == .open {
            endSession(.transportError)
        }
        phase = .closed
        context.close(promise: nil)
    }

    /// Ends the session after the messages already queued (a no-op if the server closed it first).
    private func endSession(_ reason: CloseReason) {
        let engine = engine, session = session
        inbound.enqueue { await engine.close(session, reason, notifyClient: false) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            let engine = engine, session = session
            inbound.enqueue { await engine.close(session, .serverShutdown, notifyClient: true) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
