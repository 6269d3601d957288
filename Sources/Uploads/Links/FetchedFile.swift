import Crypto
import Foundation
import MusicBoxCore

/// What yt-dlp fetched (a song from a link, a podcast episode), made ready to add the way an
/// upload is: decoded by the probe, no longer than the limit, hashed and flushed to disk, on the
/// blocking pool. Shared by ``LinkImportService`` and ``FeedService``.
enum FetchedFile {
    /// The track to add for the file at `path`. `what` names it in messages ("song", "episode");
    /// `title` picks the title from the file's tags.
    static func track(
        at path: String, what: String, probe: any AudioProbe, maxDurationMs: Int64, io: BlockingIO, title: (AudioMetadata) -> String
    ) async throws(BoxError) -> NewTrack {
        let (sha256, probed, size) = try await io.run { () throws(BoxError) -> (String, ProbedAudio, Int64) in
            let probed = try probe.probe(path: path)
            guard probed.metadata.durationMs <= maxDurationMs else {
                throw BoxError(.downloadFailed, "The \(what) is longer than \(maxDurationMs / 60_000) minutes.", details: ["reason": "too_long"])
            }
            let (sha256, size) = try hashAndSync(path)
            return (sha256, probed, size)
        }
        let id = TrackID()
        let named = URL(fileURLWithPath: path).pathExtension.lowercased()
        let fileExtension = named.isEmpty ? Self.fileExtension(container: probed.metadata.container) : named
        let name = title(probed.metadata)
        return NewTrack(
            id: id, title: name, artist: probed.metadata.artist, album: probed.metadata.album, durationMs: probed.metadata.durationMs,
            storedFileName: MediaFileName.forTrack(id, fileExtension: fileExtension), originalFilename: "\(name).\(fileExtension)",
            fileSize: size, sha256: sha256, artwork: probed.artwork, chapters: probed.chapters
        )
    }

    /// The usual file name ending of a container FFmpeg named, for a file fetched without one.
    static func fileExtension(container: String) -> String {
        switch container.split(separator: ",").first.map(String.init) ?? "" {
        case "mov": "m4a"
        case "matroska": "mka"
        case "mp3", "flac", "ogg", "wav", "aac", "aiff", "w64": container
        default: "audio"
        }
    }

    /// Removes the files in `directory` whose names start with `prefix` (what one child wrote).
    static func remove(prefix: String, in directory: URL) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    private static func hashAndSync(_ path: String) throws(BoxError) -> (String, Int64) {
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw BoxError(.storageError, "The downloaded file cannot be read.")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let data = try? handle.read(upToCount: 1 << 20), !data.isEmpty {
            hasher.update(data: data)
            size += Int64(data.count)
        }
        guard fsync(handle.fileDescriptor) == 0 else {
            throw BoxError(.storageError, "The downloaded file could not be written to disk: \(String(cString: strerror(errno))).")
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), size)
    }
}
