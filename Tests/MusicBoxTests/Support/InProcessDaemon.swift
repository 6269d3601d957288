import BoxConfig
import Daemon
import Foundation
import Logging
import MusicBoxCore

/// The whole daemon running inside the test process on a free loopback port.
struct InProcessDaemon: Sendable {
    let daemon: MusicBoxDaemon
    let port: Int
    private let task: Task<Void, any Error>

    static func start(dataDir: String, configure: (inout DaemonConfig) -> Void = { _ in }) async throws -> InProcessDaemon {
        var config = DaemonConfig()
        config.server.host = "127.0.0.1"
        config.server.port = 0
        config.storage.dataDir = dataDir
        config.hardware.mode = .sim
        config.server.devRoutes = true
        configure(&config)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let daemon = try MusicBoxDaemon(config: config, logger: logger, signals: [])
        let task = Task { try await daemon.run() }
        let port = try await daemon.waitUntilListening()
        return InProcessDaemon(daemon: daemon, port: port, task: task)
    }

    func request(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) async throws -> HTTPReply {
        try await RawHTTP.request(port: port, method, path, body: body, headers: headers)
    }

    /// Graceful stop; returns once the database is closed.
    func stop() async throws {
        await daemon.shutdown()
        try await task.value
    }
}
