import Foundation
import MusicBoxCore

/// The folder of audio files the daemon owns.
///
/// Files are named `<track-id>.<ext>`, where the extension comes from a fixed list:
/// no part of a stored name is ever typed by a user, so no upload can reach outside this folder.
public struct MediaFolder: Sendable {
    public let directory: URL

    /// Extensions a stored file may have (the formats the decoder accepts).
    public static var allowedExtensions: Set<String> { MediaFileName.extensions }

    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The stored name for a track's file. Unknown extensions become `bin`, which the decoder probes by content.
    public static func storedFileName(for track: TrackID, fileExtension: String) -> String {
        MediaFileName.forTrack(track, fileExtension: fileExtension)
    }

    /// Whether `name` has the shape of a stored file name (a track id and a listed extension).
    public static func isStoredFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, TrackID(String(parts[0])) != nil, String(parts[0]) == String(parts[0]).lowercased() else {
            return false
        }
        return allowedExtensions.contains(String(parts[1])) || parts[1] == "bin"
    }

    /// The path of a stored file. Refuses anything that is not a stored file name.
    public func url(of storedFileName: String) throws -> URL {
        guard Self.isStoredFileName(storedFileName) else {
            throw BoxError(.internalError, "Refusing to touch \(storedFileName): not a media file name.")
        }
        return directory.appendingPathComponent(storedFileName, isDirectory: false)
    }

    /// Flushes the folder's entries (a rename into it) to disk, so a power cut cannot undo them
    /// after the row that names the file is committed.
    public func syncDirectory() {
        let descriptor = open(directory.path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Removes stored files; a file already gone is fine. Returns the names that could not be removed.
    @discardableResult
    public func remove(_ storedFileNames: [String]) -> [String] {
        storedFileNames.filter { name in
            guard let url = try? url(of: name) else { return true }
            do {
                try FileManager.default.removeItem(at: url)
                return false
            } catch CocoaError.fileNoSuchFile {
                return false
            } catch {
                return true
            }
        }
    }

    /// Removes every file in the folder that the library does not refer to: leftovers of a crash between
    /// writing a file and committing its row, or between committing a delete and removing the file.
    /// Returns the names removed.
    public func sweep(keeping known: Set<String>) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let orphans = names.filter { !known.contains($0) }.sorted()
        for name in orphans {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
        return orphans
    }
}
