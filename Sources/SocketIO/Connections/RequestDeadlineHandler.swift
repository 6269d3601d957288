import NIOCore
import NIOHTTP1

/// Applies ``RequestDeadlines`` to an HTTP/1 connection, refuses request targets and headers past
/// the limits (414, 431), and answers what the parser refuses (400, 431) instead of leaving the
/// connection open. Sits right after the HTTP decoder: it sees each decoded part, and every read
/// from the socket as a `channelReadComplete` even when the read completed nothing.
///
/// One timer, at the earliest deadline: reads only move deadlines later, so a read does not
/// reschedule it; when it fires early it is set again for the deadline of the moment.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: HTTPConnectionLimits
    private let registry: ConnectionRegistry?
    private var deadlines: RequestDeadlines
    private var timer: (task: Scheduled<Void>, at: NIODeadline)?
    /// A refusal went out: the rest of what the client sends is dropped.
    private var refusing = false

    init(limits: HTTPConnectionLimits, registry: ConnectionRegistry?) {
        self.limits = limits
        self.registry = registry
        deadlines = RequestDeadlines(limits: limits, now: .now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadlines = RequestDeadlines(limits: limits, now: .now())
        registry?.setIdle(context.channel, since: .now())
        rearm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        // Upgraded to a WebSocket (or closing): never an idle keep-alive connection again.
        registry?.setIdle(context.channel, since: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        let now = NIODeadline.now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let refusal = refusal(of: head) { return perform(.refuse(refusal), context) }
            deadlines.headReceived(at: now)
            registry?.setIdle(context.channel, since: nil)
        case .body:
            break
        case .end:
            deadlines.requestEnded(at: now)
            noteIdle(context, now)
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        let wasIdle = deadlines.isIdle
        deadlines.bytesArrived(at: .now())
        if wasIdle && !deadlines.isIdle { registry?.setIdle(context.channel, since: nil) }
        rearm(context)
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            deadlines.responseStarted()
        case .end:
            let now = NIODeadline.now()
            deadlines.responseEnded(at: now)
            noteIdle(context, now)
            rearm(context)
        case .head, .body:
            break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        guard !refusing else { return }
        let refusal: HTTPRefusal = parserError == .headerOverflow ? .headersTooLarge(limits.parserHeadLimit) : .malformed
        perform(deadlines.parserFailed(refusal), context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        deadlines.writabilityChanged(writable: context.channel.isWritable, at: .now())
        rearm(context)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    // MARK: -

    private func refusal(of head: HTTPRequestHead) -> HTTPRefusal? {
        if head.uri.utf8.count > limits.maxURILength { return .uriTooLong(limits.maxURILength) }
        let headerBytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        if headerBytes > limits.maxHeaderBytes { return .headersTooLarge(limits.maxHeaderBytes) }
        return nil
    }

    private func noteIdle(_ context: ChannelHandlerContext, _ now: NIODeadline) {
        if deadlines.isIdle { registry?.setIdle(context.channel, since: now) }
    }

    /// Keeps the timer at or before the current deadline.
    private func rearm(_ context: ChannelHandlerContext) {
        guard !refusing, let deadline = deadlines.deadline else { return }
        if let timer, timer.at <= deadline { return }
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            if let action = deadlines.expired(at: .now()) {
                perform(action, context)
            } else {
                rearm(context)
            }
        }
        timer = (task, deadline)
    }

    private func perform(_ action: RequestDeadlines.Action, _ context: ChannelHandlerContext) {
        timer?.task.cancel()
        timer = nil
        switch action {
        case .close:
            context.close(promise: nil)
        case .refuse(let refusal):
            refusing = true
            var body = context.channel.allocator.buffer(capacity: 256)
            body.writeString(limits.errorBody(refusal))
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json; charset=utf-8")
            headers.add(name: "content-length", value: String(body.readableBytes))
            headers.add(name: "connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: refusal.status, reasonPhrase: refusal.reason), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
            Self.closeAfterAnswer(context.channel, written: written.futureResult, linger: limits.lingerAfterRefusal)
        }
    }

    /// Half-closes once the answer is written, so the client reads it before the connection goes
    /// (a full close with unread request bytes would reset the connection and lose the answer),
    /// and closes for good when the client hangs up or after `linger`.
    static func closeAfterAnswer(_ channel: any Channel, written: EventLoopFuture<Void>, linger: TimeAmount) {
        written.whenComplete { _ in
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }
}
