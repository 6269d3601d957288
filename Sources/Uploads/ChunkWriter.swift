import Crypto
import MusicBoxCore
import NIOCore

/// Streams one chunk from a request body into the session's file: gathers the body's small
/// pieces into writes of up to 256 KiB (one trip to the blocking pool each), refuses a byte more
/// than the chunk's length, and continues the running SHA-256 when the chunk is next in order.
/// Memory: one 256 KiB buffer, whatever the chunk or file size.
public final class ChunkWriter {
    public let ticket: ChunkTicket
    private let io: BlockingIO
    private var pending: ByteBuffer
    private var accepted = 0
    private var flushedTo: Int64
    private var digest: SHA256?
    static let writeSize = 256 * 1024

    public init(ticket: ChunkTicket, io: BlockingIO = BlockingIO()) {
        self.ticket = ticket
        self.io = io
        pending = ByteBufferAllocator().buffer(capacity: min(Self.writeSize, max(ticket.length, 1)))
        flushedTo = ticket.offset
        digest = ticket.digest
    }

    /// Bytes of the chunk received so far.
    public var received: Int { accepted }

    public func append(_ piece: ByteBuffer) async throws(BoxError) {
        guard accepted + piece.readableBytes <= ticket.length else {
            throw BoxError(
                .payloadTooLarge, "Chunk \(ticket.index) is larger than its \(ticket.length) bytes (the session's chunk size).",
                details: ["field": "chunk", "reason": "chunk_too_large", "limit": String(ticket.length)]
            )
        }
        accepted += piece.readableBytes
        if digest != nil { piece.withUnsafeReadableBytes { digest?.update(bufferPointer: $0) } }
        if pending.readableBytes == 0, piece.readableBytes >= Self.writeSize {
            try await write(piece)
            return
        }
        var piece = piece
        pending.writeBuffer(&piece)
        if pending.readableBytes >= Self.writeSize { try await flush() }
    }

    /// Writes what is left; the chunk must be complete. Returns the digest to continue with.
    public func finish() async throws(BoxError) -> SHA256? {
        try await flush()
        guard accepted == ticket.length else {
            throw BoxError(
                .validationError, "Chunk \(ticket.index) is incomplete: \(accepted) of its \(ticket.length) bytes arrived. Send it again.",
                details: ["field": "chunk", "reason": "chunk_incomplete", "received": String(accepted), "expected": String(ticket.length)]
            )
        }
        return digest
    }

    private func flush() async throws(BoxError) {
        guard pending.readableBytes > 0 else { return }
        try await write(pending)
        pending.clear()
    }

    private func write(_ buffer: ByteBuffer) async throws(BoxError) {
        let file = ticket.file
        let offset = flushedTo
        try await io.run { () throws(BoxError) in try file.write(buffer, at: offset) }
        flushedTo += Int64(buffer.readableBytes)
    }
}
