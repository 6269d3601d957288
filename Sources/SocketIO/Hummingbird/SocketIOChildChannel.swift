import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Hummingbird's HTTP/1 connection, plus WebSocket upgrades for the Engine.IO paths (one per
/// ``EngineServer``: the Socket.IO endpoint, and in the test server a bare Engine.IO one) handed to
/// ``EngineWebSocketHandler``. After such an upgrade the connection's task ends and the channel
/// lives on with NIO handlers only; every other request is Hummingbird's as usual (a refused
/// upgrade too: the polling route then answers with the Engine.IO error).
struct SocketIOChildChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case engineIO
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade request for the Engine.IO path that was refused: NIO has consumed it,
        /// so the answer is written here.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, EngineError)
        /// Past the connection limit: answered 503 in ``setup(channel:logger:)`` and closed.
        case overLimit
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let engines: [EngineServer]
    let http1: HTTP1Channel.Configuration
    let limits: HTTPConnectionLimits
    let registry: ConnectionRegistry

    /// The engine whose path this is.
    func engine(for uri: String) -> EngineServer? {
        let path = URI(uri).path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return engines.first { $0.configuration.path.trimmingCharacters(in: CharacterSet(charactersIn: "/")) == path }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Uploads stream megabytes per request: let reads grow to 256 KiB so a body costs
            // a few trips through the pipeline per MiB instead of sixteen.
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.receiveAllocator)
            switch registry.admit(channel) {
            case .admitted:
                break
            case .admittedInPlaceOf(let idle):
                idle.close(promise: nil)
            case .refused:
                Self.refuse(channel, limits: limits)
                return Value(upgradeResult: channel.eventLoop.makeSucceededFuture(.overLimit), channel: channel)
            }
            let deadlines = NIOLoopBound(RequestDeadlineHandler(limits: limits, registry: registry), eventLoop: channel.eventLoop)
            let maxPayload = engines.map(\.configuration.maxPayload).max() ?? (1 << 20)
            let refusal = NIOLoopBoundBox<EngineError?>(nil, eventLoop: channel.eventLoop)
            let chosen = NIOLoopBoundBox<EngineServer?>(nil, eventLoop: channel.eventLoop)
            // The session this connection upgrades, claimed before the 101 goes out: the client may
            // open a second WebSocket with the same sid as soon as it sees the first one open, and
            // that one must not take the upgrade over.
            let claimed = NIOLoopBoundBox<EngineSession?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: max(maxPayload, 1 << 14),
                shouldUpgrade: { channel, head in
                    let (query, headers) = Self.describe(head)
                    // Only an Engine.IO path upgrades; other WebSocket requests are refused with 400.
                    chosen.value = self.engine(for: head.uri)
                    if let engine = chosen.value {
                        refusal.value = engine.webSocketRefusal(query: query, headers: headers)
                    } else {
                        refusal.value = .badRequest
                    }
                    if refusal.value == nil, let sid = query["sid"], let session = chosen.value?.session(sid), session.beginUpgrade() {
                        claimed.value = session
                        // Given back if the connection ends before its handler takes it over.
                        channel.closeFuture.whenComplete { _ in claimed.value?.abandonUpgrade() }
                    }
                    return channel.eventLoop.makeSucceededFuture(refusal.value == nil ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        // A WebSocket is timed by Engine.IO's ping and pong from here on.
                        channel.pipeline.syncOperations.removeHandler(deadlines.value, promise: nil)
                        let (query, headers) = Self.describe(head)
                        guard let engine = chosen.value else {
                            channel.close(promise: nil)
                            return .engineIO
                        }
                        let handler: EngineWebSocketHandler
                        if let session = claimed.value {
                            claimed.value = nil  // the handler owns the upgrade from here on
                            handler = EngineWebSocketHandler(engine: engine, session: session, upgrading: true)
                        } else if query["sid"] == nil {
                            let handshake = HandshakeInfo(headers: headers, query: query, remoteAddress: channel.remoteAddress?.ipAddress)
                            handler = EngineWebSocketHandler(engine: engine, session: engine.openWebSocketSession(handshake: handshake), upgrading: false)
                        } else {
                            // The session upgraded on another connection already (or went away): this
                            // one opens and is closed, and the session goes on where it is. (After a
                            // moment, so what the first connection has in flight reaches the client first.)
                            channel.eventLoop.scheduleTask(in: .milliseconds(50)) { channel.close(promise: nil) }
                            return .engineIO
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 256, maxAccumulatedFrameSize: maxPayload)
                        )
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return .engineIO
                    }
                }
            )
            let http1 = self.http1
            let notUpgrading = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ConnectionCloseHandler())
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: http1.idleTimeout.map { .init($0) }, logger: logger)
                        )
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if let error = refusal.value { return UpgradeResult.refused(http, error) }
                        return UpgradeResult.notUpgraded(http)
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: notUpgrading)
            configuration.enablePipelining = false
            configuration.enableErrorHandling = false
            configuration.enableResponseHeaderValidation = false
            configuration.decoderConfiguration.maxHeaderFieldSize = limits.parserHeadLimit
            configuration.decoderConfiguration.maxHeaderListSize = limits.parserHeadLimit
            configuration.decoderConfiguration.maxHeaderFieldCount = http1.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            // Right after the decoder, before the upgrade handler: it sees every request part.
            let upgradeHandler = try channel.pipeline.syncOperations.handler(type: NIOTypedHTTPServerUpgradeHandler<UpgradeResult>.self)
            try channel.pipeline.syncOperations.addHandler(deadlines.value, position: .before(upgradeHandler))
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .engineIO, .overLimit:
                return  // the channel carries on with its NIO handlers (or is closing); this task is done
            case .notUpgraded(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let error):
                try await http.executeThenClose { _, outbound in
                    var buffer = ByteBuffer()
                    buffer.writeString(error.jsonBody)
                    let head = HTTPResponse(
                        status: .init(code: error.httpStatus),
                        headerFields: [.contentType: "application/json", .contentLength: String(buffer.readableBytes), .connection: "close"]
                    )
                    try await outbound.write(contentsOf: [.head(head), .body(buffer), .end(nil)])
                }
            }
        } catch {
            logger.debug("connection ended before its first request: \(error)")
        }
    }

    /// 503 in plain bytes (no HTTP handlers are set up for this connection), then the same
    /// half-close as the other refusals.
    static func refuse(_ channel: any Channel, limits: HTTPConnectionLimits) {
        let refusal = HTTPRefusal.tooManyConnections
        let body = limits.errorBody(refusal)
        let text = "HTTP/1.1 \(refusal.status) \(refusal.reason)\r\ncontent-type: application/json; charset=utf-8\r\n"
            + "content-length: \(body.utf8.count)\r\nretry-after: 5\r\nconnection: close\r\n\r\n" + body
        let written = channel.writeAndFlush(ByteBuffer(string: text))
        RequestDeadlineHandler.closeAfterAnswer(channel, written: written, linger: limits.lingerAfterRefusal)
    }

    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 256 * 1024)

    /// Query and lowercase headers of an upgrade request.
    static func describe(_ head: HTTPRequestHead) -> ([String: String], [String: String]) {
        var headers: [String: String] = [:]
        for (name, value) in head.headers { headers[name.lowercased()] = value }
        return (SocketIOServer.query(URI(head.uri)), headers)
    }
}
