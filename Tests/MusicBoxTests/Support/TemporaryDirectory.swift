import Foundation

/// A fresh folder under the system temp dir, removed when the value is released.
final class TemporaryDirectory: Sendable {
    let url: URL
    var path: String { url.path }

    init(_ name: String = "musicboxd-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: url) }
}
