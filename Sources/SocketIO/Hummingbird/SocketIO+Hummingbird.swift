import HTTPTypes
import Hummingbird
import HummingbirdCore
import Foundation
import Logging
import NIOCore

/// Plugs the Socket.IO server into Hummingbird: long-polling as ordinary routes, WebSocket
/// through ``SocketIOChildChannel``, which upgrades the Engine.IO path before routing.
extension SocketIOServer {
    /// The server builder for `Application(server:)`: HTTP/1, with WebSocket upgrades of the
    /// Engine.IO path served by NIO channel handlers (no task per connection); every other request
    /// goes to the router as usual.
    public var httpServerBuilder: HTTPServerBuilder { EngineServer.httpServerBuilder(engines: [engine], limits: configuration.connections) }

    /// Adds the Socket.IO endpoint's long-polling routes (``EngineServer/addPollingRoutes(to:)``).
    public func addPollingRoutes<Context: RequestContext>(to router: Router<Context>) {
        engine.addPollingRoutes(to: router)
    }

    static func query(_ uri: URI) -> [String: String] { EngineServer.query(uri) }
}

extension EngineServer {
    /// The server builder for `Application(server:)` with these Engine.IO endpoints (each on its
    /// own path), every connection held to `limits`.
    public static func httpServerBuilder(engines: [EngineServer], limits: HTTPConnectionLimits = .init()) -> HTTPServerBuilder {
        let registry = ConnectionRegistry(limit: limits.maxConnections)
        return HTTPServerBuilder { responder in
            SocketIOChildChannel(responder: responder, engines: engines, http1: HTTP1Channel.Configuration(), limits: limits, registry: registry)
        }
    }

    /// Adds `GET`/`POST`/`OPTIONS` on the Engine.IO path for long-polling, and the other methods,
    /// which Engine.IO answers with its own 400 (bad handshake method), not a 404.
    public func addPollingRoutes<Context: RequestContext>(to router: Router<Context>) {
        let path = RouterPath(configuration.path.trimmingCharacters(in: CharacterSet(charactersIn: "/")))
        for method in [HTTPRequest.Method.get, .post, .options, .put, .delete, .patch] {
            router.on(path, method: method) { [self] request, context in
                try await self.respondToPolling(request, context: context)
            }
        }
    }

    private func respondToPolling(_ request: Request, context: some RequestContext) async throws -> Response {
        var body: [UInt8] = []
        var tooLarge = false
        if request.method == .post {
            do {
                let buffer = try await request.body.collect(upTo: configuration.maxPayload)
                body = Array(buffer.readableBytesView)
            } catch is NIOTooManyBytesError {
                tooLarge = true
            }
        }
        let answer = await handlePolling(PollingRequest(
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
