import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Foundation
import Logging
import NIOCore
import NIOWebSocket
import WSCore

/// Plugs the Socket.IO server into Hummingbird: long-polling as ordinary routes,
/// WebSocket through the HTTP/1 upgrade hook, decided before routing.
extension SocketIOServer {
    /// The server builder for `Application(server:)`: HTTP/1 with WebSocket upgrades for the
    /// Engine.IO path; every other request goes to the router as usual.
    public var httpServerBuilder: HTTPServerBuilder {
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: max(configuration.engine.maxPayload, 1 << 14),
            autoPing: .disabled,  // Engine.IO has its own heartbeat
            validateUTF8: true
        )
        return .http1WebSocketUpgrade(configuration: .init(ws: webSocket)) { [self] request, channel, _ in
            self.shouldUpgrade(request, remoteAddress: channel.remoteAddress?.ipAddress)
        }
    }

    /// Adds `GET`/`POST`/`OPTIONS` on the Engine.IO path for long-polling.
    public func addPollingRoutes<Context: RequestContext>(to router: Router<Context>) {
        let path = RouterPath(enginePath)
        for method in [HTTPRequest.Method.get, .post, .options] {
            router.on(path, method: method) { [self] request, context in
                try await self.respondToPolling(request, context: context)
            }
        }
    }

    private var enginePath: String {
        configuration.engine.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    private func respondToPolling(_ request: Request, context: some RequestContext) async throws -> Response {
        var body: [UInt8] = []
        var tooLarge = false
        if request.method == .post {
            do {
                let buffer = try await request.body.collect(upTo: configuration.engine.maxPayload)
                body = Array(buffer.readableBytesView)
            } catch is NIOTooManyBytesError {
                tooLarge = true
            }
        }
        let answer = await engine.handlePolling(PollingRequest(
            method: request.method.rawValue, query: Self.query(request.uri), headers: Self.headers(request.head),
            body: body, bodyTooLarge: tooLarge, remoteAddress: nil
        ))
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        var buffer = ByteBuffer()
        buffer.writeString(answer.body)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: buffer))
    }

    private func shouldUpgrade(_ head: HTTPRequest, remoteAddress: String?) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URI(head.path ?? "/")
        guard uri.path.trimmingCharacters(in: CharacterSet(charactersIn: "/")) == enginePath else { return .dontUpgrade }
        let query = Self.query(uri)
        let headers = Self.headers(head)
        // A refused upgrade falls through to the polling route, which answers with the Engine.IO error.
        guard engine.shouldAcceptWebSocket(query: query, headers: headers) else { return .dontUpgrade }
        let handshake = HandshakeInfo(headers: headers, query: query, remoteAddress: remoteAddress)
        let maxPayload = configuration.engine.maxPayload
        return .upgrade([:]) { [engine] inbound, outbound, _ in
            await engine.runWebSocket(
                query: query, handshake: handshake,
                inbound: WebSocketFrames(base: inbound.messages(maxSize: maxPayload)),
                writer: HummingbirdWebSocketWriter(outbound: outbound)
            )
        }
    }

    static func query(_ uri: URI) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in uri.queryParameters { result[String(key)] = String(value) }
        return result
    }

    /// Header fields by lowercase name. HTTP/1's `Host` arrives as the request's authority.
    static func headers(_ head: HTTPRequest) -> [String: String] {
        var result: [String: String] = [:]
        for field in head.headerFields { result[field.name.canonicalName] = field.value }
        if result["host"] == nil, let authority = head.authority { result["host"] = authority }
        return result
    }
}

/// Inbound WebSocket messages as Engine.IO frames.
struct WebSocketFrames: AsyncSequence, Sendable {
    typealias Element = WebSocketMessageFrame
    let base: WebSocketInboundMessageStream

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: WebSocketInboundMessageStream.AsyncIterator

        mutating func next() async throws -> WebSocketMessageFrame? {
            switch try await base.next() {
            case .text(let text): .text(text)
            case .binary(let buffer): .binary(Array(buffer.readableBytesView))
            case nil: nil
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

struct HummingbirdWebSocketWriter: EngineWebSocketWriter {
    let outbound: WebSocketOutboundWriter

    func write(text: String) async throws { try await outbound.write(.text(text)) }

    func write(shared frame: SharedFrame) async throws {
        let buffer = frame.converted { ByteBuffer(string: $0) }
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: buffer)))
    }

    func write(binary: [UInt8]) async throws { try await outbound.write(.binary(ByteBuffer(bytes: binary))) }

    func close(goingAway: Bool, messageTooBig: Bool) async {
        let code: WebSocketErrorCode = messageTooBig ? .messageTooLarge : (goingAway ? .goingAway : .normalClosure)
        try? await outbound.close(code, reason: nil)
    }
}
