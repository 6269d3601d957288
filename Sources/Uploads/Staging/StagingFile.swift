import Crypto
import Foundation
import MusicBoxCore
import NIOCore

/// The one temporary file an upload session writes its chunks into, each at its own offset.
/// Blocking: every method runs on a thread made for blocking work (``BlockingIO``).
///
/// Several chunks may be written at once (`pwrite` at distinct offsets is safe); the descriptor
/// closes when the last reference goes, so a cancel never closes it under a write in flight.
public final class StagingFile: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Creates the file; it must not exist yet.
    public init(path: String) throws(BoxError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Self.failure("create the upload's temporary file", errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Writes all of `buffer` at `offset`.
    public func write(_ buffer: ByteBuffer, at offset: Int64) throws(BoxError) {
        var position = offset
        let failure: Int32? = buffer.withUnsafeReadableBytes { raw in
            var rest = raw[...]
            while !rest.isEmpty {
                let written = pwrite(descriptor, UnsafeRawBufferPointer(rebasing: rest).baseAddress, rest.count, off_t(position))
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                rest = rest.dropFirst(written)
                position += Int64(written)
            }
            return nil
        }
        if let failure { throw Self.failure("write the upload to disk", failure) }
    }

    /// Writes the buffers one after the other from `offset`, in one `pwritev` when it takes them all.
    public func write(_ buffers: [ByteBuffer], at offset: Int64) throws(BoxError) {
        guard buffers.count > 1 else {
            if let only = buffers.first { try write(only, at: offset) }
            return
        }
        let total = buffers.reduce(0) { $0 + $1.readableBytes }
        let written = Self.gatherWrite(descriptor, buffers, offset: offset)
        if written == total { return }
        if written < 0, errno != EINTR { throw Self.failure("write the upload to disk", errno) }
        // A short write: the rest one buffer at a time.
        var position = offset + Int64(max(written, 0))
        var skip = max(written, 0)
        for var buffer in buffers {
            let drop = min(skip, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: drop)
            skip -= drop
            guard buffer.readableBytes > 0 else { continue }
            try write(buffer, at: position)
            position += Int64(buffer.readableBytes)
        }
    }

    private static func gatherWrite(_ descriptor: Int32, _ buffers: [ByteBuffer], offset: Int64) -> Int {
        // Each buffer's bytes stay put while pointers to them are in use: nested closures.
        func withVectors(_ index: Int, _ vectors: inout [iovec], _ body: (inout [iovec]) -> Int) -> Int {
            guard index < buffers.count else { return body(&vectors) }
            return buffers[index].withUnsafeReadableBytes { raw in
                vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count))
                return withVectors(index + 1, &vectors, body)
            }
        }
        var vectors: [iovec] = []
        vectors.reserveCapacity(buffers.count)
        return withVectors(0, &vectors) { vectors in pwritev(descriptor, vectors, Int32(vectors.count), off_t(offset)) }
    }

    /// Flushes what was written to the disk itself.
    public func sync() throws(BoxError) {
        guard fsync(descriptor) == 0 else { throw Self.failure("flush the upload to disk", errno) }
    }

    /// Feeds the file from `offset` to `end` into `hasher`.
    public func hash(into hasher: inout SHA256, from offset: Int64, to end: Int64) throws(BoxError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = offset
        while position < end {
            let wanted = Int(min(Int64(buffer.count), end - position))
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, wanted, off_t(position)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw Self.failure("read the upload back", count < 0 ? errno : EIO) }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            position += Int64(count)
        }
    }

    /// Removes the file from its folder (open descriptors stay valid until they close).
    public func unlink() {
        Foundation.unlink(path)
    }

    /// A full disk is `insufficient_storage` (507); anything else a `storage_error`.
    static func failure(_ what: String, _ code: Int32) -> BoxError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT {
            return BoxError(
                .insufficientStorage, "The box's storage is full: could not \(what). Delete some songs and try again.",
                details: ["reason": "disk_full"]
            )
        }
        return BoxError(.storageError, "Could not \(what): \(reason).", details: ["errno": String(code)])
    }
}
