import Foundation

/// The title a live HLS stream gives what it plays now: an ID3v2 tag carried as timed metadata
/// (an MPEG-TS stream of type 0x15, Apple's HLS timed metadata), whose `TIT2` (title) and `TPE1`
/// (artist) are shown as ICY's `StreamTitle` is: "Artist - Title".
///
/// FFmpeg's MPEG-TS demuxer (5.1 and 7.1) takes the first 5 bytes of each such packet for a
/// metadata access unit header that HLS streams do not send, so a tag usually arrives without
/// `"ID3"`, its version and its flags byte's predecessors: both forms are read. Frame sizes are
/// read as ID3v2.4's syncsafe numbers, else as v2.3's plain ones, whichever fits the tag.
public enum ID3Tag {
    public static func streamTitle(_ packet: [UInt8]) -> String? {
        let frames: ArraySlice<UInt8>
        let versions: [Int]
        if packet.count >= 10, packet[0] == 0x49, packet[1] == 0x44, packet[2] == 0x33 {  // "ID3"
            guard let size = syncsafe(packet[6..<10]) else { return nil }
            frames = packet[10..<min(packet.count, 10 + size)]
            versions = [Int(packet[3])]
        } else if packet.count >= 5, let size = syncsafe(packet[1..<5]) {
            // The tag's flags byte and size, the rest stripped by the demuxer.
            frames = packet[5..<min(packet.count, 5 + size)]
            versions = [4, 3]
        } else {
            return nil
        }
        for version in versions {
            guard let texts = textFrames(frames, version: version) else { continue }
            let title = texts["TIT2"], artist = texts["TPE1"]
            switch (artist, title) {
            case let (artist?, title?): return "\(artist) - \(title)"
            case let (nil, title?): return title
            case let (artist?, nil): return artist
            case (nil, nil): return nil
            }
        }
        return nil
    }

    /// The text frames of a v2.3 or v2.4 tag body; `nil` when the frame sizes do not fit it.
    static func textFrames(_ bytes: ArraySlice<UInt8>, version: Int) -> [String: String]? {
        var texts: [String: String] = [:]
        var index = bytes.startIndex
        while index + 10 <= bytes.endIndex {
            let id = bytes[index..<index + 4]
            if id.allSatisfy({ $0 == 0 }) { break }  // padding
            guard id.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) }) else { return nil }
            let sizeBytes = bytes[index + 4..<index + 8]
            guard let size = version >= 4 ? syncsafe(sizeBytes) : sizeBytes.reduce(0, { $0 << 8 | Int($1) }) else { return nil }
            let body = index + 10
            guard size >= 0, body + size <= bytes.endIndex else { return nil }
            let name = String(decoding: id, as: UTF8.self)
            if name.hasPrefix("T"), size > 1, let text = text(bytes[body..<body + size]) {
                texts[name] = text
            }
            index = body + size
        }
        return texts
    }

    /// A text frame's body: its encoding byte, then Latin-1, UTF-16 with a byte-order mark,
    /// UTF-16BE or UTF-8; the first of several values; control characters dropped.
    static func text(_ body: ArraySlice<UInt8>) -> String? {
        guard let encoding = body.first else { return nil }
        let data = Array(body.dropFirst())
        var decoded: String
        switch encoding {
        case 0:
            decoded = String(data.prefix { $0 != 0 }.map { Character(Unicode.Scalar($0)) })
        case 1, 2:
            var units = stride(from: 0, to: data.count - 1, by: 2).map { (UInt16(data[$0]), UInt16(data[$0 + 1])) }
            var bigEndian = encoding == 2
            if encoding == 1, let mark = units.first {
                if mark == (0xFF, 0xFE) { bigEndian = false } else if mark == (0xFE, 0xFF) { bigEndian = true } else { return nil }
                units.removeFirst()
            }
            let code = units.map { bigEndian ? $0.0 << 8 | $0.1 : $0.1 << 8 | $0.0 }.prefix { $0 != 0 }
            decoded = String(decoding: code, as: UTF16.self)
        case 3:
            decoded = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
        default:
            return nil
        }
        decoded = String(decoded.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
        let trimmed = decoded.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : String(trimmed.prefix(500))
    }

    private static func syncsafe(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count == 4, bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        return bytes.reduce(0) { $0 << 7 | Int($1) }
    }
}
