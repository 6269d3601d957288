import Crypto
import MusicBoxCore
import NIOCore

/// Streams one chunk from a request body into the session's file. The body's pieces are passed
/// on as they are (no copying into a bigger buffer): the running SHA-256 takes them as they come
/// (when the chunk is next in order), and batches of about 512 KiB go to the blocking pool as one
/// `pwritev` each while the next pieces arrive. One write at a time: concurrent writes to one file
/// queue on its inode lock in the kernel, and the spinning there cost more CPU than they saved.
/// It refuses a byte more than the chunk's length. Memory: at most ``maximumWritesInFlight`` + 1
/// batches, whatever the file size.
public final class ChunkWriter {
    public let ticket: ChunkTicket
    private let io: BlockingIO
    private var batch: [ByteBuffer] = []
    private var batchBytes = 0
    private var accepted = 0
    private var nextOffset: Int64
    /// Batches being written, oldest first. Their offsets never overlap, so their order does not matter.
    private var writes: [Task<Void, any Error>] = []
    private var digest: SHA256?
    static let batchSize = 512 * 1024
    static let maximumWritesInFlight = 1

    public init(ticket: ChunkTicket, io: BlockingIO = BlockingIO()) {
        self.ticket = ticket
        self.io = io
        nextOffset = ticket.offset
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
        guard piece.readableBytes > 0 else { return }
        accepted += piece.readableBytes
        // Hashing is CPU work of microseconds per piece, not blocking I/O: done here, in order.
        if digest != nil { piece.withUnsafeReadableBytes { digest?.update(bufferPointer: $0) } }
        batch.append(piece)
        batchBytes += piece.readableBytes
        if batchBytes >= Self.batchSize { try await dispatch() }
    }

    /// Writes what is left; the chunk must be complete. Returns the digest to continue with.
    public func finish() async throws(BoxError) -> SHA256? {
        try await dispatch()
        while !writes.isEmpty { try await waitForOldestWrite() }
        guard accepted == ticket.length else {
            throw BoxError(
                .validationError, "Chunk \(ticket.index) is incomplete: \(accepted) of its \(ticket.length) bytes arrived. Send it again.",
                details: ["field": "chunk", "reason": "chunk_incomplete", "received": String(accepted), "expected": String(ticket.length)]
            )
        }
        return digest
    }

    /// Waits for the writes still running (after a failure, so nothing writes once the request is over).
    public func drain() async {
        for write in writes { _ = try? await write.value }
        writes = []
    }

    /// Hands the gathered pieces to the pool, waiting first when enough writes already run.
    private func dispatch() async throws(BoxError) {
        guard !batch.isEmpty else { return }
        while writes.count >= Self.maximumWritesInFlight { try await waitForOldestWrite() }
        let buffers = batch
        let offset = nextOffset
        let file = ticket.file
        let io = self.io
        batch = []
        nextOffset += Int64(batchBytes)
        batchBytes = 0
        writes.append(Task { try await io.run { () throws(BoxError) in try file.write(buffers, at: offset) } })
    }

    private func waitForOldestWrite() async throws(BoxError) {
        let oldest = writes.removeFirst()
        do {
            try await oldest.value
        } catch let error as BoxError {
            await drain()
            throw error
        } catch {
            await drain()
            throw BoxError(.storageError, "Writing the upload failed: \(error).")
        }
    }
}
