import Audio
import Crypto
import Foundation
import Logging
import MediaLibrary
import MusicBoxCore
import NIOCore
import Testing
import Uploads

@Suite("Uploads: sessions, chunks, multipart, names, probe")
struct UploadTests {
    // MARK: Multipart

    static func form(boundary: String, file: [UInt8]) -> [UInt8] {
        var body = Array("preamble to ignore\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n".utf8)
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n".utf8)
        body += file
        body += Array("\r\n--\(boundary)--\r\nepilogue".utf8)
        return body
    }

    static func read(_ body: [UInt8], contentType: String, pieceSize: Int) throws -> [UInt8] {
        var reader = try MultipartFileReader(contentType: contentType)
        var out: [UInt8] = []
        var start = 0
        while start < body.count {
            let end = min(body.count, start + pieceSize)
            for part in try reader.feed(ByteBuffer(bytes: body[start..<end])) { out += part.readableBytesView }
            start = end
        }
        try reader.finish()
        return out
    }

    @Test("the file field comes out whole however the body is split, even with boundary look-alikes inside")
    func multipartSplits() throws {
        let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        // Content that contains CRLFs, dashes and most of a delimiter, which must not end the part.
        var file = Array("\r\n--\(boundary.dropLast())X\r\n----\r\n".utf8)
        for index in 0..<5000 { file.append(UInt8(truncatingIfNeeded: index * 7)) }
        let body = Self.form(boundary: boundary, file: file)
        for pieceSize in [1, 2, 3, 7, 64, 1000, body.count] {
            let out = try Self.read(body, contentType: "multipart/form-data; boundary=\(boundary)", pieceSize: pieceSize)
            #expect(out == file, "piece size \(pieceSize)")
        }
        let quoted = try Self.read(body, contentType: "multipart/form-data; boundary=\"\(boundary)\"", pieceSize: 100)
        #expect(quoted == file)
    }

    @Test("a form without the file field, a cut-off form and a missing boundary are clear errors")
    func multipartErrors() throws {
        let boundary = "xyz"
        let noFile = Array("--xyz\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n123\r\n--xyz--\r\n".utf8)
        #expect(throws: BoxError.self) { _ = try Self.read(noFile, contentType: "multipart/form-data; boundary=xyz", pieceSize: 5) }
        let cut = Array(Self.form(boundary: boundary, file: Array(repeating: 1, count: 100)).prefix(150))
        do {
            _ = try Self.read(cut, contentType: "multipart/form-data; boundary=xyz", pieceSize: 10)
            Issue.record("a cut-off form was accepted")
        } catch let error as BoxError {
            #expect(error.details["reason"] == "truncated")
        }
        #expect(throws: BoxError.self) { _ = try MultipartFileReader(contentType: "multipart/form-data") }
    }

    // MARK: Names

    @Test("file names: plain names pass, paths, control characters, long and hidden names do not")
    func fileNames() throws {
        let allowed = MediaFileName.extensions
        #expect(try UploadFileName.check("Twinkle Twinkle (Live).MP3", allowedExtensions: allowed) == "mp3")
        #expect(try UploadFileName.check("Über den Wolken – 2.flac", allowedExtensions: allowed) == "flac")
        let refused: [(String, String)] = [
            ("../x.mp3", "path"), ("a/b.mp3", "path"), ("a\\b.mp3", "path"), ("a\u{0}b.mp3", "control_character"),
            ("tab\there.mp3", "control_character"), (String(repeating: "é", count: 130) + ".mp3", "too_long"),
            (".mp3", "hidden"), ("", "empty"),
        ]
        for (name, reason) in refused {
            do {
                _ = try UploadFileName.check(name, allowedExtensions: allowed)
                Issue.record("\(name.debugDescription) was accepted")
            } catch {
                #expect(error.details["reason"] == reason, "\(name.debugDescription)")
            }
        }
        #expect(throws: BoxError.self) { _ = try UploadFileName.check("virus.exe", allowedExtensions: allowed) }
        #expect(UploadFileName.stem("My Song.mp3") == "My Song")
        #expect(UploadFileName.stem("noext") == "noext")
    }

    // MARK: The service on a real database and folder

    struct Harness {
        let state: StateHarness
        let staging: StagingArea
        let service: UploadService

        init(limits: UploadLimits = UploadLimits()) throws {
            state = try StateHarness()
            staging = try StagingArea(directory: state.dir.url.appendingPathComponent("uploads"))
            service = try UploadService(
                staging: staging, limits: limits, state: state.manager, library: state.store, probe: FFmpegAudioProbe(),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            )
        }

        func playlist() async throws -> PlaylistID {
            try await state.manager.perform(CreatePlaylist(title: "Songs")).value.id
        }

        /// Sends chunks in the given order; returns the status after.
        func send(_ bytes: [UInt8], session: UploadSessionInfo, playlist: PlaylistID, order: [Int]) async throws -> UploadStatus? {
            var status: UploadStatus?
            for index in order {
                let ticket = try await service.beginChunk(playlistID: playlist, sessionID: session.sessionID, index: index)
                let writer = ChunkWriter(ticket: ticket)
                let start = index * session.chunkSize
                try await writer.append(ByteBuffer(bytes: bytes[start..<min(bytes.count, start + session.chunkSize)]))
                status = try await service.finishChunk(ticket, digest: try await writer.finish())
            }
            return status
        }

        var stagedFiles: [String] { (try? FileManager.default.contentsOfDirectory(atPath: staging.directory.path)) ?? [] }
    }

    static func tone(seconds: Double, in dir: TemporaryDirectory) throws -> [UInt8] {
        let file = dir.file("tone-\(seconds).wav")
        try AudioDecodingTests.run("/usr/bin/ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=duration=\(seconds)", file.path])
        return Array(try Data(contentsOf: file))
    }

    @Test("chunks in any order give the file's SHA-256, in order or not (the running digest and the read-back agree)")
    func hashingInAnyOrder() async throws {
        let harness = try Harness()
        let bytes = try Self.tone(seconds: 3, in: harness.state.dir)
        let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let playlist = try await harness.playlist()
        for (name, order) in [("in-order", Array(0..<5)), ("shuffled", [3, 0, 4, 1, 2]), ("resent", [0, 1, 0, 2, 3, 4])] {
            let session = try await harness.service.createSession(
                playlistID: playlist, filename: "\(name).wav", fileSize: Int64(bytes.count), chunkSize: 65_536, fileHash: expected
            )
            #expect(session.totalChunks == 5)
            let status = try await harness.send(bytes, session: session, playlist: playlist, order: order)
            #expect(status?.complete == true && status?.bytesReceived == Int64(bytes.count))
            let added = try await harness.service.finalize(playlistID: playlist, sessionID: session.sessionID, override: nil)
            #expect(added.sha256 == expected, "\(name)")
            #expect(abs(added.track.durationMs - 3000) <= 50)
        }
        #expect(harness.stagedFiles.isEmpty)
        let detail = try await harness.state.store.playlist(playlist)
        #expect(detail?.tracks.map(\.trackNumber) == [1, 2, 3])
        // The later two are duplicates of the first.
        let twins = try await harness.state.store.tracks(in: playlist, withSHA256: expected)
        #expect(twins.count == 3)
    }

    @Test("expiry counts from the last byte (status reads do not refresh it); a session that never got a byte goes sooner")
    func expiry() async throws {
        var limits = UploadLimits()
        limits.sessionExpirySeconds = 3600
        limits.emptySessionExpirySeconds = 600
        let harness = try Harness(limits: limits)
        let playlist = try await harness.playlist()
        let empty = try await harness.service.createSession(playlistID: playlist, filename: "a.mp3", fileSize: 100_000, chunkSize: nil, fileHash: nil)
        let fed = try await harness.service.createSession(playlistID: playlist, filename: "b.mp3", fileSize: 200_000, chunkSize: 65_536, fileHash: nil)
        _ = try await harness.send([UInt8](repeating: 1, count: 200_000), session: fed, playlist: playlist, order: [0])
        let start = ContinuousClock.now
        #expect(Set(harness.stagedFiles) == ["\(empty.sessionID).part", "\(fed.sessionID).part"])
        #expect(await harness.service.expireStale(now: start + .seconds(300)).isEmpty)
        // Reading the status, as a stranger holding a slot would, keeps neither alive.
        _ = try await harness.service.status(playlistID: playlist, sessionID: empty.sessionID)
        _ = try await harness.service.status(playlistID: playlist, sessionID: fed.sessionID)
        #expect(await harness.service.expireStale(now: start + .seconds(601)) == [empty.sessionID])
        #expect(await harness.service.expireStale(now: start + .seconds(3000)).isEmpty)
        #expect(await harness.service.expireStale(now: start + .seconds(3601)) == [fed.sessionID])
        #expect(harness.stagedFiles.isEmpty)
        await #expect(throws: BoxError.self) { _ = try await harness.service.status(playlistID: playlist, sessionID: fed.sessionID) }
    }

    @Test("one client cannot take every upload slot; parents see every session and can cancel them all")
    func slots() async throws {
        var limits = UploadLimits()
        limits.maxSessions = 4
        limits.maxSessionsPerClient = 2
        let harness = try Harness(limits: limits)
        let playlist = try await harness.playlist()
        let stranger = UploadClient("address:10.0.0.9")
        let parent = UploadClient("token:abc")
        func open(_ name: String, _ client: UploadClient) async throws -> UploadSessionInfo {
            try await harness.service.createSession(playlistID: playlist, filename: name, fileSize: 1 << 30, chunkSize: nil, fileHash: nil, client: client)
        }
        _ = try await open("1.mp3", stranger)
        _ = try await open("2.mp3", stranger)
        do {
            _ = try await open("3.mp3", stranger)
            Issue.record("a third session of one client was opened")
        } catch let error as BoxError {
            #expect(error.code == .conflict && error.details["reason"] == "too_many_uploads_of_yours")
        }
        _ = try await open("4.mp3", parent)
        _ = try await open("5.mp3", parent)
        do {
            _ = try await open("6.mp3", UploadClient("token:other"))
            Issue.record("a fifth session was opened")
        } catch let error as BoxError {
            #expect(error.details["reason"] == "too_many_uploads")
        }
        let listed = await harness.service.list()
        #expect(listed.map(\.client) == [stranger.key, stranger.key, parent.key, parent.key])
        #expect(listed.allSatisfy { !$0.finalizing && $0.idleSeconds >= 0 && $0.status.bytesReceived == 0 })
        #expect(await harness.service.cancelAll().count == 4)
        #expect(harness.stagedFiles.isEmpty)
        #expect(await harness.service.openSessions == 0)
    }

    @Test("free space: the reserve and the other sessions' promised bytes both count")
    func freeSpace() async throws {
        let probe = try Harness()
        let available = try #require(probe.staging.availableBytes())
        var limits = UploadLimits()
        limits.maxFileBytes = .max
        limits.freeSpaceReserveBytes = available / 2
        let harness = try Harness(limits: limits)
        let playlist = try await harness.playlist()
        // Reserve ½, first file ¼: fits (¾ left would be ½ + ¼). Second file ⅓: fits alone (⅔ left), not beside the first.
        _ = try await harness.service.createSession(playlistID: playlist, filename: "a.wav", fileSize: available / 4, chunkSize: nil, fileHash: nil)
        // A second file that fits on its own, but not beside the first one's promised bytes.
        do {
            _ = try await harness.service.createSession(playlistID: playlist, filename: "b.wav", fileSize: available / 3, chunkSize: nil, fileHash: nil)
            Issue.record("the reserve was not enforced")
        } catch {
            #expect(error.code == .insufficientStorage)
        }
        #expect(harness.stagedFiles.count == 1)
    }

    @Test("the probe reads tags, the album track number, the exact length, and refuses a cut file")
    func probe() throws {
        let dir = try TemporaryDirectory()
        let file = dir.file("tagged.mp3")
        try AudioDecodingTests.run("/usr/bin/ffmpeg", [
            "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=duration=4", "-metadata", "title=Moon", "-metadata", "album_artist=Band",
            "-metadata", "album=Night", "-metadata", "track=7/10", "-metadata", "disc=2", "-c:a", "libmp3lame", file.path,
        ])
        let probed = try FFmpegAudioProbe().probe(path: file.path)
        #expect(probed.metadata.title == "Moon" && probed.metadata.artist == "Band" && probed.metadata.album == "Night")
        #expect(probed.metadata.trackNumber == 7 && probed.metadata.discNumber == 2)
        #expect(abs(probed.metadata.durationMs - 4000) <= 50)
        #expect(probed.metadata.codec == "mp3" && probed.artwork == nil)

        let bytes = try Data(contentsOf: file)
        let cut = dir.file("cut.mp3")
        try bytes.prefix(bytes.count / 3).write(to: cut)
        do {
            _ = try FFmpegAudioProbe().probe(path: cut.path)
            Issue.record("a cut file passed the probe")
        } catch {
            #expect(error.code == .unsupportedFormat && error.details["reason"] == "truncated")
        }
        let text = dir.file("text.mp3")
        try Data(String(repeating: "not audio at all ", count: 500).utf8).write(to: text)
        #expect(throws: BoxError.self) { _ = try FFmpegAudioProbe().probe(path: text.path) }
    }
}
