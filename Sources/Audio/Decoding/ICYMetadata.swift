import Foundation
import MusicBoxCore

/// What a SHOUTcast/Icecast server says in its ICY metadata, read from FFmpeg's raw copies: the
/// station's name from the `icy-name` header, and the title now playing from a metadata block
/// (`StreamTitle='Artist - Title';StreamUrl='…';`). Servers send UTF-8 or, older ones,
/// Latin-1 without saying which: bytes that are not valid UTF-8 are read as Latin-1. What comes
/// out passes ``TextRules/cleaned(_:limit:)`` (a stream is text nobody typed for the box).
public enum ICYMetadata {
    /// The `StreamTitle` of a metadata block (`nil`: none, or empty).
    public static func streamTitle(_ packet: [UInt8]) -> String? {
        let text = decoded(packet)
        guard let start = text.range(of: "StreamTitle='") else { return nil }
        let rest = text[start.upperBound...]
        // The value ends at `';` (a title may itself hold an apostrophe), or at the block's end.
        let value = rest.range(of: "';").map { rest[..<$0.lowerBound] } ?? rest.dropLast(rest.hasSuffix("'") ? 1 : 0)
        return TextRules.cleaned(String(value))?.text
    }

    /// The `icy-name` header's value (`nil`: none, or empty).
    public static func stationName(_ headers: [UInt8]) -> String? {
        for line in decoded(headers).split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "icy-name" else { continue }
            return TextRules.cleaned(String(line[line.index(after: colon)...]))?.text
        }
        return nil
    }

    static func decoded(_ bytes: [UInt8]) -> String {
        let trimmed = bytes.prefix { $0 != 0 }  // blocks are padded with NULs to 16 bytes
        if let text = String(validating: trimmed, as: UTF8.self) { return text }
        return String(trimmed.map { Character(Unicode.Scalar($0)) })
    }
}
