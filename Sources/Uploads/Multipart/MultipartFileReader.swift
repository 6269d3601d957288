import Foundation
import MusicBoxCore
import NIOCore

/// Pulls the bytes of the form field `file` out of a `multipart/form-data` body as it streams
/// past, for browsers that send chunks as forms. Other fields are skipped; nothing is gathered
/// but a part's headers and a delimiter's worth of lookahead.
///
/// A small state machine: feed it the body's pieces in order (``feed(_:)``), take the file's bytes
/// it returns, then call ``finish()``.
public struct MultipartFileReader {
    enum State {
        /// Before the first delimiter.
        case preamble
        /// After a delimiter line: collecting the part's headers.
        case headers
        /// Inside a part's content; `isFile` when it is the `file` field.
        case content(isFile: Bool)
        /// After a delimiter: two bytes decide between another part (CRLF) and the end (`--`).
        case afterDelimiter(isFile: Bool)
        /// After the closing delimiter.
        case epilogue
    }

    private var state = State.preamble
    private var buffer = ByteBuffer()
    /// `\r\n--boundary`: what ends a part.
    private let delimiter: [UInt8]
    private var sawFile = false
    private var fileDone = false
    static let maximumHeaderBytes = 16 * 1024

    /// The boundary from a `Content-Type: multipart/form-data; boundary=…` header.
    public init(contentType: String) throws(BoxError) {
        guard let boundary = Self.boundary(in: contentType) else {
            throw BoxError(.validationError, "The multipart body has no boundary in its Content-Type.", details: ["field": "content-type"])
        }
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    public static func isMultipart(_ contentType: String?) -> Bool {
        contentType?.lowercased().hasPrefix("multipart/form-data") ?? false
    }

    static func boundary(in contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.utf8.count > 70 ? nil : value
        }
        return nil
    }

    /// Takes the next piece of the body; returns the bytes of the `file` field found in it.
    public mutating func feed(_ piece: ByteBuffer) throws(BoxError) -> [ByteBuffer] {
        var piece = piece
        buffer.writeBuffer(&piece)
        var out: [ByteBuffer] = []
        while try step(&out) {}
        buffer.discardReadBytes()
        return out
    }

    /// The body ended; throws when it was not a whole form with a `file` field.
    public func finish() throws(BoxError) {
        var ended = false
        if case .epilogue = state { ended = true }
        guard sawFile || !ended else {
            throw BoxError(.validationError, "The form has no field named file.", details: ["field": "file"])
        }
        guard fileDone else {
            throw BoxError(.validationError, "The multipart body ended before the file field was complete.", details: ["field": "file", "reason": "truncated"])
        }
    }

    /// One step of the machine; `false` when it needs more bytes.
    private mutating func step(_ out: inout [ByteBuffer]) throws(BoxError) -> Bool {
        switch state {
        case .preamble:
            // The first delimiter may open the body without the CRLF before it.
            let opening = Array(delimiter.dropFirst(2))
            if buffer.readableBytesView.starts(with: opening) {
                buffer.moveReaderIndex(forwardBy: opening.count)
                state = .afterDelimiter(isFile: false)
                return true
            }
            guard let found = find(delimiter) else {
                _ = takeSafePrefix()
                return false
            }
            buffer.moveReaderIndex(forwardBy: found + delimiter.count)
            state = .afterDelimiter(isFile: false)
            return true
        case .afterDelimiter(let wasFile):
            guard buffer.readableBytes >= 2, let two = buffer.readBytes(length: 2) else { return false }
            if wasFile { fileDone = true }
            if two == [0x2D, 0x2D] {
                state = .epilogue
            } else if two == [0x0D, 0x0A] {
                state = .headers
            } else {
                throw BoxError(.validationError, "The multipart body is malformed after a boundary.", details: ["field": "body"])
            }
            return true
        case .headers:
            guard let end = find(Array("\r\n\r\n".utf8)) else {
                if buffer.readableBytes > Self.maximumHeaderBytes {
                    throw BoxError(.validationError, "A multipart part has more than 16 KiB of headers.", details: ["field": "body"])
                }
                return false
            }
            let headers = buffer.readString(length: end) ?? ""
            buffer.moveReaderIndex(forwardBy: 4)
            let isFile = !sawFile && Self.fieldName(headers) == "file"
            if isFile { sawFile = true }
            state = .content(isFile: isFile)
            return true
        case .content(let isFile):
            if let found = find(delimiter) {
                if isFile, found > 0, let slice = buffer.readSlice(length: found) { out.append(slice) } else { buffer.moveReaderIndex(forwardBy: found) }
                buffer.moveReaderIndex(forwardBy: delimiter.count)
                state = .afterDelimiter(isFile: isFile)
                return true
            }
            if let slice = takeSafePrefix(), isFile { out.append(slice) }
            return false
        case .epilogue:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return false
        }
    }

    /// Takes all but the last bytes, which might begin a delimiter.
    private mutating func takeSafePrefix() -> ByteBuffer? {
        let safe = buffer.readableBytes - (delimiter.count - 1)
        guard safe > 0 else { return nil }
        return buffer.readSlice(length: safe)
    }

    /// Offset of `needle` in the readable bytes.
    private func find(_ needle: [UInt8]) -> Int? {
        let view = buffer.readableBytesView
        guard view.count >= needle.count, let first = needle.first else { return nil }
        var index = view.startIndex
        let last = view.endIndex - needle.count
        while index <= last {
            guard let hit = view[index...last].firstIndex(of: first) else { return nil }
            if view[hit..<(hit + needle.count)].elementsEqual(needle) { return hit - view.startIndex }
            index = hit + 1
        }
        return nil
    }

    /// The `name` of a part's `Content-Disposition: form-data; name="…"`.
    static func fieldName(_ headers: String) -> String? {
        for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
            for parameter in line.split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "name" else { continue }
                return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }
}
