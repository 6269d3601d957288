import CFFmpeg
import MusicBoxCore

/// A file's tags, as FFmpeg's metadata dictionaries hold them (container first, then the stream),
/// read at most ``TextRules/maxTagBytes`` bytes each and cleaned by ``TextRules``: a tag is
/// somebody else's text, so it is cut rather than refused (`truncated` names those cut).
struct FFmpegTags {
    var values: [String: String] = [:]
    var truncated: [String] = []

    static let keys = ["title", "artist", "album_artist", "album", "track", "disc"]

    init(_ dictionaries: OpaquePointer?...) {
        for dictionary in dictionaries {
            for key in Self.keys where values[key] == nil {
                guard let entry = av_dict_get(dictionary, key, nil, 0), let value = entry.pointee.value else { continue }
                let length = strnlen(value, TextRules.maxTagBytes + 1)
                let raw = value.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: min(length, TextRules.maxTagBytes)), as: UTF8.self)
                }
                guard let cleaned = TextRules.cleaned(raw) else { continue }
                values[key] = cleaned.text
                if cleaned.truncated || length > TextRules.maxTagBytes { truncated.append(key) }
            }
        }
    }

    subscript(key: String) -> String? { values[key] }
}
