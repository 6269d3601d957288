import Foundation
import GRDB
import MediaLibrary
import MusicBoxCore
import Synchronization
import Testing

/// The real binary as a process: crash safety and clean shutdown.
@Suite("Daemon process", .serialized)
struct ProcessTests {
    @Test("kill -9 during a burst of writes leaves a sound database with every acknowledged write", arguments: [0, 1, 2])
    func killDuringWrites(round: Int) async throws {
        let dir = try TemporaryDirectory()
        let dataDir = dir.url.appendingPathComponent("data").path
        let daemon = try DaemonProcess(
            arguments: ["run", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--hardware", "sim"],
            workingDirectory: dir.url, logFile: dir.file("daemon.log")
        )
        let port = try await daemon.waitUntilReady()

        // Four writers create and rename playlists as fast as they can; we note every create
        // the daemon acknowledged before it died.
        let acknowledged = LockedList<String>()
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for index in 0..<10_000 {
                            guard let reply = try? await RawHTTP.request(port: port, "POST", "/api/playlists", body: #"{"title":"w\#(writer)-\#(index)"}"#, timeout: 2),
                                  reply.status == 201, let id = try? reply.json()["data"]?["id"]?.string else { return }
                            acknowledged.append(id)
                            _ = try? await RawHTTP.request(port: port, "PATCH", "/api/playlists/\(id)", body: #"{"description":"edited"}"#, timeout: 2)
                        }
                    }
                }
            }
        }
        // Let the burst run, then pull the plug at a different moment each round.
        while acknowledged.count < 40 + round * 37 { try await Task.sleep(for: .milliseconds(5)) }
        daemon.signal(SIGKILL)
        _ = try await daemon.waitForExit()
        await writers.value
        let ids = acknowledged.values
        #expect(ids.count >= 40)

        let database = try LibraryDatabase(path: dir.url.appendingPathComponent("data/musicbox.sqlite").path)
        #expect(try database.integrityCheck() == ["ok"])
        let stored = try await database.pool.read { db in try Set(String.fetchAll(db, sql: "SELECT id FROM playlists")) }
        let lost = ids.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "acknowledged but lost: \(lost.count) of \(ids.count)")
        let positions = try await database.pool.read { db in try Int.fetchAll(db, sql: "SELECT position FROM playlists ORDER BY position") }
        #expect(positions == Array(0..<positions.count))
        try database.close()

        // And the daemon starts again on it.
        let again = try DaemonProcess(
            arguments: ["run", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir],
            workingDirectory: dir.url, logFile: dir.file("daemon2.log")
        )
        let port2 = try await again.waitUntilReady()
        let list = try await RawHTTP.request(port: port2, "GET", "/api/playlists?limit=1").json()
        #expect(list["data"]?["total"]?.int == stored.count)
        again.signal(SIGKILL)
        _ = try await again.waitForExit()
    }

    @Test("SIGTERM stops the daemon cleanly: exit 0, database closed, data kept")
    func gracefulStop() async throws {
        let dir = try TemporaryDirectory()
        let daemon = try DaemonProcess(
            arguments: ["run", "--port", "0", "--host", "127.0.0.1", "--data-dir", dir.url.appendingPathComponent("data").path],
            workingDirectory: dir.url, logFile: dir.file("daemon.log")
        )
        let port = try await daemon.waitUntilReady()
        #expect(try await RawHTTP.request(port: port, "POST", "/api/playlists", body: #"{"title":"Keep me"}"#).status == 201)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(timeout: 10) == 0)
        #expect(daemon.log.contains("database closed"))

        let database = try LibraryDatabase(path: dir.url.appendingPathComponent("data/musicbox.sqlite").path)
        let titles = try await database.pool.read { db in try String.fetchAll(db, sql: "SELECT title FROM playlists") }
        #expect(titles == ["Keep me"])
    }
}

/// A list several tasks append to.
final class LockedList<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])
    func append(_ element: Element) { storage.withLock { $0.append(element) } }
    var values: [Element] { storage.withLock { $0 } }
    var count: Int { storage.withLock { $0.count } }
}
