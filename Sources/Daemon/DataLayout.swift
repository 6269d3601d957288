import Foundation

/// Where things live inside the data folder.
public struct DataLayout: Sendable {
    public let root: URL

    public init(dataDirectory: String) {
        root = URL(fileURLWithPath: dataDirectory, isDirectory: true).standardizedFileURL
    }

    public var databasePath: String { root.appendingPathComponent("musicbox.sqlite").path }
    public var mediaDirectory: URL { root.appendingPathComponent("media", isDirectory: true) }
    /// Upload temp files: beside `media` on the same file system, so finished uploads move in by rename.
    public var uploadsDirectory: URL { root.appendingPathComponent("uploads", isDirectory: true) }
    /// Songs from links while yt-dlp fetches them, and the journal of link tasks: beside `media` too.
    public var linksDirectory: URL { root.appendingPathComponent("links", isDirectory: true) }
    /// Podcast episodes while yt-dlp downloads them.
    public var feedsDirectory: URL { root.appendingPathComponent("feeds", isDirectory: true) }

    /// Creates the folder if needed and checks that the daemon may write in it.
    func prepare() throws {
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw DaemonStartError("cannot create the data folder \(root.path): \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: root.path) else {
            throw DaemonStartError("the data folder \(root.path) is not writable by this user")
        }
    }
}

/// A reason the daemon cannot start, said plainly.
public struct DaemonStartError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
