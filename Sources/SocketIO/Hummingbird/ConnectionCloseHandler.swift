import NIOCore
import NIOHTTP1

/// Says `Connection: close` in the answer to a request that asked for it (or an HTTP/1.0 request
/// without keep-alive): the server closes such a connection after answering, and a client that
/// is not told so may send its next request on the dead socket ("socket hang up" in Node).
/// Sits on the HTTP/1 side of the pipeline, where the request's own header is still visible.
final class ConnectionCloseHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Whether the request being answered ends the connection (no pipelining: one at a time).
    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { closing = !head.isKeepAlive }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard closing, case .head(var head) = unwrapOutboundIn(data) else {
            return context.write(data, promise: promise)
        }
        head.headers.replaceOrAdd(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
