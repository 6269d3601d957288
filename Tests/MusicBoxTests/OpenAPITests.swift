import Daemon
import Foundation
import Testing

@Suite("The OpenAPI document")
struct OpenAPITests {
    @Test("lists every route the daemon serves, and no other")
    func matchesTheRouter() async throws {
        let dir = try TemporaryDirectory()
        let box = try await InProcessDaemon.start(dataDir: dir.url.path)
        let served = Set(box.daemon.routes)
        try await box.stop()
        print(served.sorted().joined(separator: "\n"))
    }
}
