import ServiceLifecycle

/// Runs a Socket.IO server's heartbeat as a swift-service-lifecycle service.
///
/// On graceful shutdown it first tells every client (an Engine.IO close packet, so browsers and
/// apps reconnect once the box is back), then stops. Put it after the HTTP application in the
/// service group: services stop in reverse order, so clients are told before HTTP goes away.
public struct SocketIOService: Service {
    public let server: SocketIOServer

    public init(server: SocketIOServer) { self.server = server }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await server.run() }
            try? await gracefulShutdown()
            await server.shutdown()
            group.cancelAll()
        }
    }
}
