import ArgumentParser
import BoxConfig
import Crypto
import Foundation
import MusicBoxCore

/// `musicboxd import DIR --playlist NAME`: adds every audio file of a folder (and its subfolders,
/// in natural order: "2 …" before "10 …") to a playlist, for parents who copy songs over SSH or
/// from a USB stick. It talks to the running daemon through the upload API, so every file gets the
/// same checks as a browser upload and phones see the songs arrive.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Add a folder of audio files to a playlist (the daemon must be running).")

    @Argument(help: "Folder with the audio files.")
    var directory: String

    @Option(name: .long, help: "Playlist to add to; created when no playlist has this title.")
    var playlist: String

    @Option(name: .long, help: "The daemon's address (default: 127.0.0.1 and server.port of the configuration).")
    var url: String?

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let config = try options.load()
        let client = try makeClient(config)
        let files = try Self.audioFiles(in: directory)
        guard !files.isEmpty else {
            print("No audio files in \(directory) (looked for \(MediaFileName.extensions.sorted().joined(separator: ", "))).")
            throw ExitCode(1)
        }
        let playlistID = try findOrCreatePlaylist(client)
        print("Adding \(files.count) file(s) to \"\(playlist)\"")
        var failed = 0
        for (number, file) in files.enumerated() {
            let name = file.lastPathComponent
            let prefix = "[\(number + 1)/\(files.count)] \(name)"
            do {
                let track = try upload(file, to: playlistID, client: client)
                let seconds = (track["duration_ms"] as? Int ?? 0) / 1000
                print("\(prefix): added as \"\(track["title"] as? String ?? name)\" (\(seconds / 60):\(String(format: "%02d", seconds % 60)))")
            } catch {
                failed += 1
                print("\(prefix): not added: \(error)")
            }
        }
        print("\(files.count - failed) added, \(failed) not added.")
        if failed > 0 { throw ExitCode(1) }
    }

    private func makeClient(_ config: DaemonConfig) throws -> BoxClient {
        guard let url else { return BoxClient(host: "127.0.0.1", port: config.server.port) }
        guard let parts = URLComponents(string: url), let host = parts.host else { throw ValidationError("--url must look like http://musicbox.local:8080") }
        return BoxClient(host: host, port: parts.port ?? 80)
    }

    /// Audio files by extension, hidden ones skipped, in natural order of their path.
    static func audioFiles(in directory: String) throws -> [URL] {
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("\(directory) is not a folder")
        }
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        var files: [URL] = []
        while let file = walker?.nextObject() as? URL {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  MediaFileName.extensions.contains(file.pathExtension.lowercased()) else { continue }
            files.append(file)
        }
        return files.sorted { $0.path.compare($1.path, options: [.numeric, .caseInsensitive]) == .orderedAscending }
    }

    private func findOrCreatePlaylist(_ client: BoxClient) throws -> String {
        var page = 1
        while true {
            let reply = try client.json("GET", "/api/playlists?page=\(page)&limit=100")
            guard reply.status == 200 else { throw BoxClient.Failure(description: reply.message) }
            let list = reply.data["playlists"] as? [[String: Any]] ?? []
            if let match = list.first(where: { ($0["title"] as? String) == playlist }), let id = match["id"] as? String { return id }
            if list.count < 100 { break }
            page += 1
        }
        let created = try client.json("POST", "/api/playlists", ["title": playlist])
        guard created.status == 201 || created.status == 200, let id = created.data["id"] as? String else {
            throw BoxClient.Failure(description: "could not create the playlist: \(created.message)")
        }
        print("Created playlist \"\(playlist)\"")
        return id
    }

    private func upload(_ file: URL, to playlistID: String, client: BoxClient) throws -> [String: Any] {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        var hasher = SHA256()
        try handle.seek(toOffset: 0)
        while let block = try handle.read(upToCount: 1 << 20), !block.isEmpty { hasher.update(data: block) }
        let hash = hasher.finalize().map { String(format: "%02x", $0) }.joined()

        let base = "/api/playlists/\(playlistID)/uploads"
        let request: [String: Any] = ["filename": file.lastPathComponent, "file_size": size, "chunk_size": 1 << 20, "file_hash": hash]
        var session = try client.json("POST", "\(base)/session", request)
        if session.status == 409, session.details["reason"] as? String == "upload_in_progress", let stale = session.details["session_id"] as? String {
            // Left by an import that was interrupted: start that file over.
            _ = try client.json("DELETE", "\(base)/\(stale)")
            session = try client.json("POST", "\(base)/session", request)
        }
        guard session.status == 201, let id = session.data["session_id"] as? String,
              let chunkSize = session.data["chunk_size"] as? Int, let total = session.data["total_chunks"] as? Int else {
            throw BoxClient.Failure(description: session.message)
        }
        do {
            for index in 0..<total {
                try handle.seek(toOffset: UInt64(index * chunkSize))
                let chunk = try handle.read(upToCount: chunkSize) ?? Data()
                let reply = try client.send("PUT", "\(base)/\(id)/chunks/\(index)", body: chunk, contentType: "application/octet-stream")
                guard reply.status == 200 else { throw BoxClient.Failure(description: reply.message) }
            }
            let finalized = try client.json("POST", "\(base)/\(id)/finalize")
            guard finalized.status == 201, let track = finalized.data["track"] as? [String: Any] else {
                throw BoxClient.Failure(description: finalized.message)
            }
            return track
        } catch {
            _ = try? client.json("DELETE", "\(base)/\(id)")
            throw error
        }
    }
}
