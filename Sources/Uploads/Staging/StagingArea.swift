import Foundation
import MusicBoxCore

/// The folder of upload temp files, beside the media folder (on the same file system, so a
/// finished upload moves into the library by `rename`, never by copying).
public struct StagingArea: Sendable {
    public let directory: URL

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The temp file of a session.
    public func path(for sessionID: String) -> String {
        directory.appendingPathComponent("\(sessionID).part", isDirectory: false).path
    }

    /// Removes every temp file: at start-up, all of them are leftovers of the previous run
    /// (sessions live in memory). Returns the names removed.
    @discardableResult
    public func clear() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        for name in names { try FileManager.default.removeItem(at: directory.appendingPathComponent(name)) }
        return names
    }

    /// Bytes an unprivileged writer may still use on this file system.
    public func availableBytes() -> Int64? {
        var stats = statvfs()
        guard statvfs(directory.path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}
