import Crypto
import MusicBoxCore

/// One file on its way in: what the client announced, which chunks arrived, and the running
/// SHA-256 of the chunks received in order (so finalizing rarely has to read the file back).
struct UploadSession {
    enum Phase: Equatable {
        /// Chunks are welcome.
        case receiving
        /// Every chunk is in and the file is being checked and added; no more writes.
        case finalizing
    }

    let id: String
    let playlistID: PlaylistID
    let filename: String
    let fileExtension: String
    let fileSize: Int64
    let chunkSize: Int
    let totalChunks: Int
    /// The SHA-256 the client announced (lowercase hex), checked at finalize.
    let expectedSHA256: String?
    let file: StagingFile
    /// Who opened it (``UploadClient``): the per-client limit counts by it.
    let client: UploadClient
    let createdAt: ContinuousClock.Instant
    /// When the last chunk's bytes arrived (nil: none yet). Expiry counts from here.
    var lastReceived: ContinuousClock.Instant?
    var phase = Phase.receiving
    var received: Set<Int> = []
    /// Writes in progress per chunk index (a chunk may be sent again while its first try still runs).
    var inFlight: [Int: Int] = [:]
    var bytesReceived: Int64 = 0
    /// The leading chunks `0..<hashedChunks` are in `digest`, in order.
    var hashedChunks = 0
    var digest = SHA256()
    var lastProgress: ContinuousClock.Instant?

    /// Bytes of chunk `index` (the last one is usually shorter).
    func length(of index: Int) -> Int {
        let start = Int64(index) * Int64(chunkSize)
        return Int(min(Int64(chunkSize), fileSize - start))
    }

    var isComplete: Bool { received.count == totalChunks }

    var missing: [Int] { (0..<totalChunks).filter { !received.contains($0) } }

    /// Bytes still to come, for the free-space check of new sessions.
    var outstandingBytes: Int64 { fileSize - bytesReceived }

    var status: UploadStatus {
        UploadStatus(
            sessionID: id, playlistID: playlistID, filename: filename, fileSize: fileSize, chunkSize: chunkSize,
            totalChunks: totalChunks, receivedChunks: received.sorted(), bytesReceived: bytesReceived, complete: isComplete
        )
    }
}

/// Who opened an upload session: a parent login (by its token id), or, without a PIN, an address.
public struct UploadClient: Sendable, Hashable, CustomStringConvertible {
    public let key: String
    public init(_ key: String) { self.key = key }
    public var description: String { key }
}

/// Permission to write one chunk, handed to the request that carries it. The bytes go straight
/// from the request body to the session's file at `offset`.
public struct ChunkTicket: Sendable {
    public let sessionID: String
    public let playlistID: PlaylistID
    public let index: Int
    public let offset: Int64
    /// Exactly this many bytes make the chunk.
    public let length: Int
    public let file: StagingFile
    /// The running digest to continue, when this chunk is the next one in order.
    public let digest: SHA256?
}

/// The answer to a new session (CONTRACT §6).
public struct UploadSessionInfo: Sendable, Equatable, Encodable {
    public var sessionID: String
    public var chunkSize: Int
    public var totalChunks: Int
    public var fileSize: Int64
    public var filename: String

    enum CodingKeys: String, CodingKey {
        case filename
        case sessionID = "session_id"
        case chunkSize = "chunk_size"
        case totalChunks = "total_chunks"
        case fileSize = "file_size"
    }
}

/// Where an upload stands, so a browser can resume after a dropped connection.
public struct UploadStatus: Sendable, Equatable, Encodable {
    public var sessionID: String
    public var playlistID: PlaylistID
    public var filename: String
    public var fileSize: Int64
    public var chunkSize: Int
    public var totalChunks: Int
    public var receivedChunks: [Int]
    public var bytesReceived: Int64
    public var complete: Bool

    enum CodingKeys: String, CodingKey {
        case filename, complete
        case sessionID = "session_id"
        case playlistID = "playlist_id"
        case fileSize = "file_size"
        case chunkSize = "chunk_size"
        case totalChunks = "total_chunks"
        case receivedChunks = "received_chunks"
        case bytesReceived = "bytes_received"
    }
}

/// An open session as parents see it in the list of uploads.
public struct UploadSessionSummary: Sendable, Equatable, Encodable {
    public var status: UploadStatus
    /// Who opened it: `token:<id>` for a parent login, `address:<ip>` without one.
    public var client: String
    public var finalizing: Bool
    /// Seconds since its last byte (or since it was opened, when none came).
    public var idleSeconds: Int

    enum CodingKeys: String, CodingKey { case client, finalizing, idleSeconds = "idle_seconds" }

    public func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(client, forKey: .client)
        try container.encode(finalizing, forKey: .finalizing)
        try container.encode(idleSeconds, forKey: .idleSeconds)
    }
}

/// What a finished upload added.
public struct FinalizedUpload: Sendable, Equatable, Encodable {
    public var track: Track
    public var metadata: AudioMetadata
    public var warnings: [UploadWarning]
    public var sha256: String
}

/// Fields a parent typed in the upload form, replacing what the file's tags say.
public struct MetadataOverride: Sendable, Equatable, Decodable {
    public var title: String?
    public var artist: String?
    public var album: String?

    public init(title: String? = nil, artist: String? = nil, album: String? = nil) {
        self.title = title
        self.artist = artist
        self.album = album
    }
}
