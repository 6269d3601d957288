import Crypto
import Foundation
import Logging
import MusicBoxCore
import ServiceLifecycle

/// Chunked, resumable uploads (CONTRACT §6): the sessions, their temp files, and the step that
/// turns a complete file into a track.
///
/// Sessions live in memory; their bytes go to one temp file each in the ``StagingArea``, written on
/// the blocking pool by the request that carries them, never gathered in memory. Finalizing flushes
/// the file, checks its SHA-256 and decodes it (``AudioProbe``), then hands it to the state manager
/// (``AddTrack``), which renames it into the media folder and commits the row. Anything that goes
/// wrong on the way removes the temp file: nothing half-saved stays behind.
///
/// As a `Service` it drops sessions nobody touched for ``UploadLimits/sessionExpirySeconds``.
public actor UploadService: Service {
    private let staging: StagingArea
    private let limits: UploadLimits
    private let state: StateManager
    private let library: any LibraryStore
    private let probe: any AudioProbe
    private let io: BlockingIO
    private let logger: Logger
    private var sessions: [String: UploadSession] = [:]
    /// How often `upload:progress` may go out per session.
    private let progressInterval = Duration.milliseconds(250)

    /// Clears the temp files a previous run left (sessions do not outlive the process).
    public init(
        staging: StagingArea, limits: UploadLimits, state: StateManager, library: any LibraryStore,
        probe: any AudioProbe, io: BlockingIO = BlockingIO(), logger: Logger
    ) throws {
        self.staging = staging
        self.limits = limits
        self.state = state
        self.library = library
        self.probe = probe
        self.io = io
        self.logger = logger
        let leftovers = try staging.clear()
        if !leftovers.isEmpty {
            logger.notice("removed \(leftovers.count) upload temp file(s) left by the previous run")
        }
    }

    // MARK: Sessions

    /// Opens a session for one file. Refuses, before any byte is sent: a bad name or type, an empty or
    /// too large file, a disk that would fill up, too many sessions, or the same file already on its way.
    public func createSession(
        playlistID: PlaylistID, filename: String, fileSize: Int64, chunkSize requested: Int?, fileHash: String?,
        client: UploadClient = UploadClient("local")
    ) async throws(BoxError) -> UploadSessionInfo {
        let ext = try UploadFileName.check(filename, allowedExtensions: limits.allowedExtensions)
        guard fileSize > 0 else {
            throw BoxError(.validationError, "\(filename) is empty (0 bytes); there is nothing to play.", details: ["field": "file_size", "reason": "empty"])
        }
        guard fileSize <= limits.maxFileBytes else {
            throw BoxError(
                .payloadTooLarge, "\(filename) is \(Self.megabytes(fileSize)); the box takes files up to \(Self.megabytes(limits.maxFileBytes)).",
                details: ["field": "file_size", "limit": String(limits.maxFileBytes)]
            )
        }
        let chunkSize = requested ?? limits.defaultChunkBytes
        guard limits.chunkBytesRange.contains(chunkSize) else {
            throw BoxError(
                .validationError, "chunk_size must be from \(limits.chunkBytesRange.lowerBound) to \(limits.chunkBytesRange.upperBound) bytes.",
                details: ["field": "chunk_size"]
            )
        }
        let hash = fileHash?.lowercased()
        if let hash, hash.count != 64 || !hash.allSatisfy(\.isHexDigit) {
            throw BoxError(.validationError, "file_hash must be a SHA-256 in hex (64 characters).", details: ["field": "file_hash"])
        }
        guard await state.hasPlaylist(playlistID) else { throw BoxError.playlistNotFound(playlistID) }
        expireStale()
        if let twin = sessions.values.first(where: { $0.playlistID == playlistID && $0.filename == filename }) {
            throw BoxError(
                .conflict, "\(filename) is already being uploaded to this playlist; resume that upload or cancel it first.",
                details: ["reason": "upload_in_progress", "session_id": twin.id]
            )
        }
        let mine = sessions.values.filter { $0.client == client }.count
        guard mine < limits.maxSessionsPerClient else {
            throw BoxError(
                .conflict, "You already have \(mine) uploads open; finish or cancel one first.",
                details: ["reason": "too_many_uploads_of_yours", "limit": String(limits.maxSessionsPerClient)]
            )
        }
        guard sessions.count < limits.maxSessions else {
            throw BoxError(
                .conflict, "\(limits.maxSessions) uploads are already open; wait for one to finish.",
                details: ["reason": "too_many_uploads", "limit": String(limits.maxSessions)]
            )
        }
        try checkSpace(for: fileSize, filename: filename)

        let id = UUID().uuidString.lowercased()
        let file = try StagingFile(path: staging.path(for: id))
        let totalChunks = Int((fileSize + Int64(chunkSize) - 1) / Int64(chunkSize))
        sessions[id] = UploadSession(
            id: id, playlistID: playlistID, filename: filename, fileExtension: ext, fileSize: fileSize,
            chunkSize: chunkSize, totalChunks: totalChunks, expectedSHA256: hash, file: file, client: client, createdAt: .now
        )
        logger.info("upload \(id): \(filename), \(fileSize) bytes in \(totalChunks) chunk(s), to playlist \(playlistID)")
        return UploadSessionInfo(sessionID: id, chunkSize: chunkSize, totalChunks: totalChunks, fileSize: fileSize, filename: filename)
    }

    /// The file, the other sessions' bytes still to come, and the reserve must all fit.
    private func checkSpace(for fileSize: Int64, filename: String) throws(BoxError) {
        guard let available = staging.availableBytes() else { return }
        let promised = sessions.values.reduce(Int64(0)) { $0 + $1.outstandingBytes }
        let left = available - promised - fileSize
        guard left >= limits.freeSpaceReserveBytes else {
            throw BoxError(
                .insufficientStorage,
                "Not enough space for \(filename) (\(Self.megabytes(fileSize))): \(Self.megabytes(max(0, available - promised))) free, and the box keeps \(Self.megabytes(limits.freeSpaceReserveBytes)) for itself. Delete some songs first.",
                details: ["reason": "disk_full", "available_bytes": String(available), "reserve_bytes": String(limits.freeSpaceReserveBytes)]
            )
        }
    }

    public func status(playlistID: PlaylistID, sessionID: String) throws(BoxError) -> UploadStatus {
        try find(sessionID, in: playlistID).status
    }

    /// Cancels a session and removes its temp file.
    public func cancel(playlistID: PlaylistID, sessionID: String) throws(BoxError) {
        let session = try find(sessionID, in: playlistID)
        guard session.phase == .receiving else {
            throw BoxError(.conflict, "The upload is being finalized and can no longer be cancelled.", details: ["reason": "finalizing"])
        }
        discard(sessionID)
        logger.info("upload \(sessionID) cancelled")
    }

    // MARK: Chunks

    /// Lets a request write chunk `index`. The request streams exactly `ticket.length` bytes to the
    /// file, then reports with ``finishChunk(_:digest:)`` or ``abandonChunk(_:error:)``.
    public func beginChunk(playlistID: PlaylistID, sessionID: String, index: Int) async throws(BoxError) -> ChunkTicket {
        var session = try find(sessionID, in: playlistID)
        guard session.phase == .receiving else {
            throw BoxError(.conflict, "The upload is being finalized; it takes no more chunks.", details: ["reason": "finalizing"])
        }
        guard (0..<session.totalChunks).contains(index) else {
            throw BoxError(
                .validationError, "Chunk \(index) is out of range: this upload has chunks 0 to \(session.totalChunks - 1).",
                details: ["field": "index", "total_chunks": String(session.totalChunks)]
            )
        }
        guard await state.hasPlaylist(playlistID) else {
            let error = BoxError(.notFound, "The playlist was deleted during the upload.", details: ["playlist_id": playlistID.description, "reason": "playlist_deleted"])
            fail(sessionID, error)
            throw error
        }
        // The actor may have let other requests in while it asked the state manager.
        guard let current = sessions[sessionID], current.phase == .receiving else { throw Self.unknownSession(sessionID) }
        session = current
        let inOrder = index == session.hashedChunks && session.inFlight[index, default: 0] == 0
        if index < session.hashedChunks {
            // A chunk already in the digest is being replaced: the digest can no longer be trusted.
            session.hashedChunks = 0
            session.digest = SHA256()
        }
        session.inFlight[index, default: 0] += 1
        sessions[sessionID] = session
        return ChunkTicket(
            sessionID: sessionID, playlistID: playlistID, index: index, offset: Int64(index) * Int64(session.chunkSize),
            length: session.length(of: index), file: session.file, digest: inOrder ? session.digest : nil
        )
    }

    /// The chunk's bytes are all written. Sends `upload:progress` (at most every 250 ms, and always
    /// when the last chunk arrives). Returns the status after.
    public func finishChunk(_ ticket: ChunkTicket, digest: SHA256?) async throws(BoxError) -> UploadStatus {
        guard var session = sessions[ticket.sessionID] else { throw Self.unknownSession(ticket.sessionID) }
        session.inFlight[ticket.index, default: 1] -= 1
        if session.inFlight[ticket.index] == 0 { session.inFlight[ticket.index] = nil }
        if session.received.insert(ticket.index).inserted { session.bytesReceived += Int64(ticket.length) }
        if let digest, ticket.index == session.hashedChunks {
            session.digest = digest
            session.hashedChunks += 1
        }
        let now = ContinuousClock.now
        session.lastReceived = now
        let due = session.lastProgress.map { now - $0 >= progressInterval } ?? true
        var progress: UploadProgress?
        if due || session.isComplete {
            session.lastProgress = now
            progress = UploadProgress(
                playlistID: session.playlistID, sessionID: session.id, chunkIndex: ticket.index,
                progress: (Double(session.bytesReceived) * 1000 / Double(session.fileSize)).rounded() / 10,
                bytesReceived: session.bytesReceived, fileSize: session.fileSize, complete: session.isComplete
            )
        }
        sessions[ticket.sessionID] = session
        if let progress { await state.announce(.progress(progress)) }
        return session.status
    }

    /// The chunk did not arrive whole. A full disk ends the session (its temp file is removed at
    /// once, to give the space back); anything else leaves the chunk to be sent again.
    public func abandonChunk(_ ticket: ChunkTicket, error: BoxError) {
        guard var session = sessions[ticket.sessionID] else { return }
        session.inFlight[ticket.index, default: 1] -= 1
        if session.inFlight[ticket.index] == 0 { session.inFlight[ticket.index] = nil }
        // Part of the chunk may be on disk over what was there: it counts as not received.
        if session.received.remove(ticket.index) != nil { session.bytesReceived -= Int64(ticket.length) }
        if ticket.index < session.hashedChunks {
            session.hashedChunks = 0
            session.digest = SHA256()
        }
        sessions[ticket.sessionID] = session
        if error.code == .insufficientStorage { fail(ticket.sessionID, error) }
    }

    // MARK: Finalize

    /// Checks the complete file and adds it to the playlist. Whatever fails removes the session
    /// and its file and is told as `upload:error`.
    public func finalize(playlistID: PlaylistID, sessionID: String, override: MetadataOverride?) async throws(BoxError) -> FinalizedUpload {
        var session = try find(sessionID, in: playlistID)
        guard session.phase == .receiving else {
            throw BoxError(.conflict, "The upload is already being finalized.", details: ["reason": "finalizing"])
        }
        guard session.isComplete, session.inFlight.isEmpty else {
            let missing = session.missing
            throw BoxError(
                .conflict,
                missing.isEmpty ? "A chunk is still being written; finalize when it is done." : "\(missing.count) of \(session.totalChunks) chunk(s) are still missing.",
                details: [
                    "reason": "upload_incomplete", "missing_chunks": missing.prefix(50).map(String.init).joined(separator: ","),
                    "missing_count": String(missing.count),
                ]
            )
        }
        let title = try Self.text(override?.title, field: "title")
        let artist = try Self.text(override?.artist, field: "artist")
        let album = try Self.text(override?.album, field: "album")
        session.phase = .finalizing
        sessions[sessionID] = session

        do {
            let checked = try await check(session)
            let id = TrackID()
            let metadata = checked.probed.metadata
            let new = NewTrack(
                id: id, title: title ?? metadata.title ?? UploadFileName.stem(session.filename),
                artist: artist ?? metadata.artist, album: album ?? metadata.album, durationMs: metadata.durationMs,
                storedFileName: MediaFileName.forTrack(id, fileExtension: session.fileExtension),
                originalFilename: session.filename, fileSize: session.fileSize, sha256: checked.sha256, artwork: checked.probed.artwork,
                chapters: checked.probed.chapters
            )
            var warnings = await duplicateWarnings(sha256: checked.sha256, in: playlistID)
            let typed: [String: String?] = ["title": title, "artist": artist, "album": album]
            for tag in metadata.truncatedTags where typed[tag] ?? nil == nil {
                warnings.append(UploadWarning(
                    code: "tag_truncated", message: "The file's \(tag) is longer than \(TextRules.maxTitleLength) characters; it was cut to fit.", trackID: nil
                ))
            }
            let track = try await state.perform(AddTrack(playlistID: playlistID, track: new, stagedFile: session.file.path)).value
            sessions[sessionID] = nil
            logger.info("upload \(sessionID): added \(session.filename) as track \(track.id) (\(metadata.durationMs) ms, \(metadata.codec))")
            await state.announce(.complete(UploadCompletion(
                playlistID: playlistID, sessionID: sessionID, filename: session.filename, metadata: metadata, track: track, warnings: warnings
            )))
            return FinalizedUpload(track: track, metadata: metadata, warnings: warnings, sha256: checked.sha256)
        } catch {
            fail(sessionID, error)
            throw error
        }
    }

    private struct CheckedFile: Sendable {
        var sha256: String
        var probed: ProbedAudio
    }

    /// Flushes, hashes and probes the file on the blocking pool.
    private func check(_ session: UploadSession) async throws(BoxError) -> CheckedFile {
        let file = session.file
        let digest = session.digest
        let hashedBytes = min(Int64(session.hashedChunks) * Int64(session.chunkSize), session.fileSize)
        let fileSize = session.fileSize
        let expected = session.expectedSHA256
        let probe = self.probe
        return try await io.run { () throws(BoxError) -> CheckedFile in
            try file.sync()
            var hasher = digest
            try file.hash(into: &hasher, from: hashedBytes, to: fileSize)
            let sha256 = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            if let expected, expected != sha256 {
                throw BoxError(
                    .validationError, "The file that arrived is not the one announced: its SHA-256 differs. Upload it again.",
                    details: ["field": "file_hash", "reason": "hash_mismatch", "expected": expected, "actual": sha256]
                )
            }
            return CheckedFile(sha256: sha256, probed: try probe.probe(path: file.path))
        }
    }

    private func duplicateWarnings(sha256: String, in playlistID: PlaylistID) async -> [UploadWarning] {
        guard let twins = try? await library.tracks(in: playlistID, withSHA256: sha256) else { return [] }
        return twins.map { twin in
            UploadWarning(code: "duplicate", message: "The same song is already in this playlist as track \(twin.trackNumber), \(twin.title).", trackID: twin.id)
        }
    }

    // MARK: Housekeeping

    /// Drops, with their temp files, sessions that received no byte for the expiry, and those that
    /// never received one for the shorter empty-session expiry.
    @discardableResult
    public func expireStale(now: ContinuousClock.Instant = .now) -> [String] {
        let idle = Duration.seconds(limits.sessionExpirySeconds)
        let empty = Duration.seconds(limits.emptySessionExpirySeconds)
        let stale = sessions.values.filter { session in
            guard session.phase == .receiving, session.inFlight.isEmpty else { return false }
            if let last = session.lastReceived { return now - last > idle }
            return now - session.createdAt > empty
        }.map(\.id)
        for id in stale {
            let never = sessions[id]?.lastReceived == nil
            logger.notice("upload \(id) expired: \(never ? "no byte arrived" : "no byte for \(limits.sessionExpirySeconds / 3600) h"); its temp file is removed")
            discard(id)
        }
        return stale
    }

    /// Every open session, for parents (`GET /api/uploads`).
    public func list(now: ContinuousClock.Instant = .now) -> [UploadSessionSummary] {
        sessions.values.sorted { $0.createdAt < $1.createdAt }.map { session in
            UploadSessionSummary(
                status: session.status, client: session.client.key, finalizing: session.phase == .finalizing,
                idleSeconds: Int((now - (session.lastReceived ?? session.createdAt)).components.seconds)
            )
        }
    }

    /// Cancels every session still receiving (`DELETE /api/uploads`); returns their ids.
    public func cancelAll() -> [String] {
        let ids = sessions.values.filter { $0.phase == .receiving }.map(\.id)
        for id in ids { discard(id) }
        if !ids.isEmpty { logger.info("\(ids.count) upload(s) cancelled by a parent") }
        return ids
    }

    /// Open sessions (for health and tests).
    public var openSessions: Int { sessions.count }

    public func run() async throws {
        // Checks every few minutes; stops at once when the daemon shuts down.
        let interval = Duration.seconds(min(60, max(1, min(limits.sessionExpirySeconds, limits.emptySessionExpirySeconds) / 4)))
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: interval)
                    await self.expireStale()
                }
            }
        } catch is CancellationError {
            return
        }
    }

    private func find(_ sessionID: String, in playlistID: PlaylistID) throws(BoxError) -> UploadSession {
        guard let session = sessions[sessionID], session.playlistID == playlistID else { throw Self.unknownSession(sessionID) }
        return session
    }

    private func discard(_ sessionID: String) {
        guard let session = sessions.removeValue(forKey: sessionID) else { return }
        session.file.unlink()
    }

    /// Ends a session that cannot succeed: its file goes, and its watchers hear why.
    private func fail(_ sessionID: String, _ error: BoxError) {
        guard let session = sessions[sessionID] else { return }
        discard(sessionID)
        logger.warning("upload \(sessionID) (\(session.filename)) failed: \(error.message)")
        let failure = UploadFailure(playlistID: session.playlistID, sessionID: sessionID, failure: error)
        Task { [state] in await state.announce(.failed(failure)) }
    }

    private static func text(_ value: String?, field: String) throws(BoxError) -> String? {
        guard let value else { return nil }
        return try TextRules.title(value, field: field)
    }

    static func unknownSession(_ id: String) -> BoxError {
        BoxError(.notFound, "No upload session \(id) (it finished, was cancelled, or expired).", details: ["session_id": id])
    }

    static func megabytes(_ bytes: Int64) -> String {
        bytes >= 1 << 30 ? String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }
}
