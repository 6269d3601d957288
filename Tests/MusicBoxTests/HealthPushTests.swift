@_spi(Simulation) import Audio
import BoxConfig
import Daemon
import Foundation
import Synchronization
import Testing

/// A Socket.IO client over raw Engine.IO long-polling: enough to watch pushed events from Swift.
/// Events of a poll that were not asked for yet stay queued for the next wait.
final class PollingClient: Sendable {
    let daemon: InProcessDaemon
    let sid: String
    private let pending = Mutex<[String]>([])

    init(daemon: InProcessDaemon, sid: String) {
        self.daemon = daemon
        self.sid = sid
    }

    static func connect(_ daemon: InProcessDaemon) async throws -> PollingClient {
        let open = try await daemon.request("GET", "/socket.io/?EIO=4&transport=polling")
        let text = String(decoding: open.body, as: UTF8.self)
        let handshake = try #require(try JSONSerialization.jsonObject(with: Data(text.dropFirst().utf8)) as? [String: Any])
        let client = PollingClient(daemon: daemon, sid: try #require(handshake["sid"] as? String))
        let reply = try await daemon.request("POST", "/socket.io/?EIO=4&transport=polling&sid=\(client.sid)", body: "40")
        #expect(reply.status == 200)
        return client
    }

    /// Polls until an event named `name` arrives whose payload satisfies `match`; returns the payload as JSON text.
    func waitForEvent(_ name: String, where match: @Sendable ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            while let packet = pending.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                guard let event = try? JSONSerialization.jsonObject(with: Data(packet.utf8)) as? [Any],
                    event.first as? String == name, let payload = event.dropFirst().first as? [String: Any], match(payload)
                else { continue }
                return payload
            }
            let reply = try await daemon.request("GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)")
            let packets = String(decoding: reply.body, as: UTF8.self).split(separator: "\u{1e}")
                .filter { $0.hasPrefix("42") }.map { String($0.dropFirst(2)) }
            pending.withLock { $0 += packets }
        }
        throw HTTPClientError(description: "no \(name) event within 10 s")
    }
}

@Suite("Health pushes")
struct HealthPushTests {
    @Test("an output device that disappears and returns is pushed to clients and shown by /api/health")
    func devicePushes() async throws {
        let dir = try TemporaryDirectory()
        let daemon = try await InProcessDaemon.start(dataDir: dir.url.path) { $0.realtime.healthIntervalMs = 100 }
        defer { Task { try? await daemon.stop() } }
        let client = try await PollingClient.connect(daemon)
        _ = try await client.waitForEvent("connection_status") { _ in true }

        let engine = try #require(daemon.daemon.engine as? SimulatedPlaybackEngine)
        engine.setDeviceAvailable(false)
        let error = try await client.waitForEvent("health_error") { $0["component"] as? String == "audio" }
        #expect(error["error"] as? String == "audio is unavailable")
        let degraded = try await client.waitForEvent("health_status") { $0["status"] as? String == "degraded" }
        #expect((degraded["components"] as? [String: String])?["audio"] == "unavailable")
        let http = try JSONSerialization.jsonObject(with: try await daemon.request("GET", "/api/health").body) as? [String: Any]
        #expect((http?["data"] as? [String: Any])?["status"] as? String == "degraded")

        engine.setDeviceAvailable(true)
        let healthy = try await client.waitForEvent("health_status") { $0["status"] as? String == "healthy" }
        #expect((healthy["components"] as? [String: String])?["audio"] == "simulated")
        try await daemon.stop()
    }
}
