import MusicBoxCore

/// What the box accepts from an upload. From the `[uploads]` section of the configuration.
public struct UploadLimits: Sendable, Equatable {
    /// Largest file accepted (413 `payload_too_large` at session creation).
    public var maxFileBytes: Int64 = 1 << 30
    /// File name extensions accepted, lowercase without the dot (415 `unsupported_format` otherwise).
    /// What is accepted must also decode: the extension is only the first check.
    public var allowedExtensions: Set<String> = MediaFileName.extensions
    /// Space left free on the data disk for the database, resume points and logs: an upload that
    /// would eat into it is refused (507 `insufficient_storage`) before a byte is written.
    public var freeSpaceReserveBytes: Int64 = 200 << 20
    /// Sessions open at once (one per file being uploaded).
    public var maxSessions = 8
    /// Sessions one client (a parent login, or an address without one) may hold open, so nobody
    /// can take every slot.
    public var maxSessionsPerClient = 4
    /// A session that received no byte for this long is dropped with its temp file (status reads
    /// do not count: they would keep a session alive forever).
    public var sessionExpirySeconds: Int64 = 24 * 3600
    /// A session that never received a byte is dropped after this long.
    public var emptySessionExpirySeconds: Int64 = 10 * 60
    /// Chunk size when the client does not ask for one.
    public var defaultChunkBytes = 1 << 20
    /// The range of chunk sizes a client may ask for.
    public var chunkBytesRange: ClosedRange<Int> = (64 << 10)...(16 << 20)

    public init() {}
}
