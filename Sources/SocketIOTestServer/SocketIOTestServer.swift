import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SocketIO
import UnixSignals

/// A Socket.IO server with no application in it, for the protocol conformance suite
/// (`Tests/socketio/`) and the benchmark. Each event exercises one feature of the protocol.
///
/// Usage: socketio-test-server [--port N] [--ping-interval MS] [--ping-timeout MS] [--max-payload BYTES]
///                             [--rate PER_SECOND] [--max-outbox-kib N] [--static DIR] [--any-origin]
///                             [--protocol-suite]
///
/// `--protocol-suite` serves what the official Engine.IO and Socket.IO test suites expect of the
/// reference server instead (see ``installProtocolSuite(on:)``).
@main
struct SocketIOTestServer {
    static func main() async throws {
        var configuration = SocketIOConfiguration()
        var port = 0
        var staticFolder: String?
        var anyOrigin = false
        var protocolSuite = false
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let flag = arguments.next() {
            if flag == "--static" {
                staticFolder = arguments.next()
                continue
            }
            if flag == "--any-origin" {
                anyOrigin = true
                continue
            }
            if flag == "--protocol-suite" {
                protocolSuite = true
                continue
            }
            guard let value = arguments.next().flatMap(Int.init) else { fatalError("\(flag) needs a number") }
            switch flag {
            case "--port": port = value
            case "--ping-interval": configuration.engine.pingInterval = value
            case "--ping-timeout": configuration.engine.pingTimeout = value
            case "--max-payload": configuration.engine.maxPayload = value
            case "--max-outbox-kib": configuration.engine.maxOutboxBytes = value * 1024
            case "--rate": configuration.eventRateLimit = value == 0 ? nil : RateLimit(eventsPerSecond: Double(value), burst: Double(value))
            default: fatalError("unknown flag \(flag)")
            }
        }
        var logger = Logger(label: "socketio-test-server")
        logger.logLevel = .notice
        let allowAll: OriginPolicy = { _, _ in true }
        let io = SocketIOServer(configuration: configuration, originPolicy: anyOrigin ? allowAll : EngineServer.sameHostOrigin, logger: logger)
        if protocolSuite {
            installProtocolSuite(on: io)
        } else {
            installHandlers(on: io.sockets, io: io)
            let admin = io.of("/admin")
            admin.authorize { _, auth in
                auth?["token"]?.stringValue == "secret" ? .accept : .reject(message: "unauthorized", data: ["reason": "bad token"])
            }
            installHandlers(on: admin, io: io)
        }

        let router = Router()
        if let staticFolder { router.add(middleware: FileMiddleware(staticFolder, searchForIndexHtml: false)) }
        io.addPollingRoutes(to: router)
        var engines = [io.engine]
        // The Engine.IO suite's reference endpoint: bare Engine.IO at /engine.io/, echoing every message.
        let echo = EchoEngine()
        if protocolSuite {
            var bare = configuration.engine
            bare.path = "/engine.io/"
            let engine = EngineServer(configuration: bare, originPolicy: allowAll, logger: logger)
            engine.setDelegate(echo)
            engine.addPollingRoutes(to: router)
            engines.append(engine)
            Task { await engine.runHeartbeat() }
        }
        let app = Application(
            router: router, server: EngineServer.httpServerBuilder(engines: engines),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                FileHandle.standardOutput.write(Data("listening on port \(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: logger
        )
        // SIGTERM/SIGINT: the Socket.IO service (last) stops first and tells clients, then HTTP.
        let services = ServiceGroup(configuration: .init(
            services: [app, SocketIOService(server: io)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger
        ))
        try await services.run()
    }

    /// The reference server of the official suites' READMEs: on connect (main namespace and
    /// `/custom`) it emits `auth` with the handshake's auth; `message` comes back as
    /// `message-back` with the same arguments; `message-with-ack` is acknowledged with them.
    static func installProtocolSuite(on io: SocketIOServer) {
        for namespace in [io.sockets, io.of("/custom")] {
            namespace.onConnection { socket in socket.emit("auth", socket.auth ?? .object([:])) }
        }
        io.sockets.on("message") { socket, arguments, _ in socket.emit("message-back", arguments) }
        io.sockets.on("message-with-ack") { _, arguments, ack in ack?.send(arguments) }
    }

    static func installHandlers(on namespace: Namespace, io: SocketIOServer) {
        namespace.authorizeIfUnset()
        namespace.onConnection { socket in
            socket.setData("connected_at", .int(Int64(Date().timeIntervalSince1970 * 1000)))
        }
        namespace.onDisconnect { socket, reason in
            namespace.to("observers").emit("left", .string(socket.id), .string(reason.rawValue))
        }
        namespace.onRateLimited { socket, event, retryAfter in
            socket.emit("rate_limited", .string(event), .int(Int64(retryAfter)))
        }
        // Answers with the same arguments: through the ack when asked, else as an "echo" event.
        namespace.on("echo") { socket, arguments, ack in
            if let ack { ack.send(arguments) } else { socket.emit("echo", arguments) }
        }
        // Asks the client with an ack of its own, then reports what came back.
        namespace.on("ask") { socket, arguments, ack in
            guard let event = arguments.first?.stringValue else { return }
            do {
                let reply = try await socket.emitWithAck(event, Array(arguments.dropFirst()), timeout: .seconds(5))
                ack?.send([.string("ok"), .array(reply)])
            } catch {
                ack?.send([.string("error"), .string("\(error)")])
            }
        }
        namespace.on("join") { socket, arguments, ack in
            for room in arguments.compactMap(\.stringValue) { socket.join(room) }
            ack?(.array(socket.rooms.sorted().map { .string($0) }))
        }
        namespace.on("leave") { socket, arguments, ack in
            for room in arguments.compactMap(\.stringValue) { socket.leave(room) }
            ack?(.array(socket.rooms.sorted().map { .string($0) }))
        }
        // to-room ROOM EVENT ARGS…: everyone in ROOM (sender included if a member).
        namespace.on("to-room") { _, arguments, ack in
            guard arguments.count >= 2, let room = arguments[0].stringValue, let event = arguments[1].stringValue else { return }
            let count = namespace.to(room).emit(event, Array(arguments.dropFirst(2)))
            ack?(.int(Int64(count)))
        }
        // broadcast EVENT ARGS…: everyone but the sender.
        namespace.on("broadcast") { socket, arguments, ack in
            guard let event = arguments.first?.stringValue else { return }
            let count = socket.broadcast.emit(event, Array(arguments.dropFirst()))
            ack?(.int(Int64(count)))
        }
        // all EVENT ARGS…: everyone in the namespace.
        namespace.on("all") { _, arguments, ack in
            guard let event = arguments.first?.stringValue else { return }
            let count = BroadcastOperator.all(namespace).emit(event, Array(arguments.dropFirst()))
            ack?(.int(Int64(count)))
        }
        namespace.on("whoami") { socket, _, ack in
            ack?(["id": .string(socket.id), "namespace": .string(socket.namespace.name), "auth": socket.auth ?? .null])
        }
        namespace.on("disconnect-me") { socket, _, _ in
            await socket.disconnect()
        }
        // Closes the whole connection as a restarting server would; the client should reconnect.
        namespace.on("kick") { socket, _, _ in
            await socket.closeTransport()
        }
        namespace.on("count") { _, _, ack in
            ack?(.int(Int64(namespace.socketCount)), .int(Int64(io.engine.sessionCount)))
        }
    }
}

/// Sends every message back to the session it came from (the Engine.IO suite's reference server).
final class EchoEngine: EngineDelegate {
    func engineSessionOpened(_ session: EngineSession) async {}
    func engineSession(_ session: EngineSession, received message: WebSocketMessageFrame) async throws { session.sendMessage(message) }
    func engineSessionClosed(_ session: EngineSession, reason: CloseReason) async {}
}

extension Namespace {
    /// The main namespace refuses one token, so rejection is testable there too.
    fileprivate func authorizeIfUnset() {
        guard name == "/" else { return }
        authorize { _, auth in
            auth?["token"]?.stringValue == "reject-me" ? .reject(message: "not welcome") : .accept
        }
    }
}
