import CExpat
import Foundation
import MusicBoxCore

/// A podcast feed, read: its title and its episodes, as the feed lists them (newest first in
/// practice; the box sorts by date anyway). RSS 2.0 (`item`: `title`, `guid`, `pubDate`,
/// `enclosure`, `itunes:duration`) and Atom (`entry`: `title`, `id`, `published`/`updated`,
/// `link rel="enclosure"`), with Media RSS's `media:content` where an item has no enclosure.
///
/// Parsed by Expat, namespace-aware, so `itunes:duration` is known by its namespace and not by
/// the prefix a feed happens to use. A feed is text from anywhere: a document that declares
/// entities is refused (no entity expansion at all, so no "billion laughs"), every text is
/// capped, and at most ``maxEpisodes`` are kept.
public struct FeedDocument: Sendable, Equatable {
    public var title: String?
    public var episodes: [FeedEpisode]

    public static let maxEpisodes = 500
    /// The longest text kept of one element (a title, a date): longer ones are cut there.
    static let maxText = 4096

    /// Reads a feed document. Anything that is not a feed with at least one audio episode is
    /// `download_failed` with reason `not_a_feed`.
    public static func parse(_ bytes: [UInt8]) throws(BoxError) -> FeedDocument {
        let reader = FeedReader()
        guard let parser = XML_ParserCreateNS(nil, FeedReader.separator) else {
            throw BoxError(.internalError, "Out of memory while reading a feed.")
        }
        defer { XML_ParserFree(parser) }
        let unmanaged = Unmanaged.passRetained(reader)
        defer { unmanaged.release() }
        XML_SetUserData(parser, unmanaged.toOpaque())
        XML_SetElementHandler(parser, feedElementStarted, feedElementEnded)
        XML_SetCharacterDataHandler(parser, feedText)
        XML_SetEntityDeclHandler(parser, feedEntityDeclared)
        reader.parser = parser
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buffer.count, 1)) {
                XML_Parse(parser, $0, Int32(buffer.count), 1)
            }
        }
        if reader.declaredEntities {
            throw BoxError(.downloadFailed, "The feed declares XML entities, which the box does not read.", details: ["reason": "not_a_feed"])
        }
        guard status == XML_STATUS_OK else {
            let line = musicbox_xml_line(parser)
            let message = String(cString: XML_ErrorString(XML_GetErrorCode(parser)))
            throw BoxError(.downloadFailed, "The address did not give a podcast feed (XML: \(message) at line \(line)).",
                           details: ["reason": "not_a_feed"])
        }
        guard reader.sawFeed else {
            throw BoxError(.downloadFailed, "The address did not give a podcast feed (neither RSS nor Atom).", details: ["reason": "not_a_feed"])
        }
        var seen = Set<String>()
        let episodes = reader.entries.compactMap { entry -> FeedEpisode? in
            guard let raw = entry.audio, let url = try? StreamURL.check(raw) else { return nil }
            let guid = String((entry.id.flatMap(Self.cleaned) ?? url).prefix(500))
            guard seen.insert(guid).inserted else { return nil }
            let title = entry.title.flatMap(Self.cleaned) ?? URL(string: url)?.lastPathComponent ?? url
            return FeedEpisode(guid: guid, title: title, publishedAt: entry.date.flatMap(FeedValues.date),
                               durationMs: entry.duration.flatMap(FeedValues.durationMs), url: url)
        }
        guard !episodes.isEmpty else {
            throw BoxError(.downloadFailed, reader.entries.isEmpty ? "The feed lists no episodes." : "The feed lists no episode with an audio address.",
                           details: ["reason": "not_a_feed"])
        }
        return FeedDocument(title: reader.title.flatMap(Self.cleaned), episodes: Array(episodes.prefix(maxEpisodes)))
    }

    private static func cleaned(_ text: String) -> String? { TextRules.cleaned(text)?.text }
}

/// What Expat's callbacks gather, element by element. Only the parser's thread touches it.
private final class FeedReader {
    static let separator: XML_Char = 0x01
    static let atom = "http://www.w3.org/2005/Atom"
    static let itunes = "http://www.itunes.com/dtds/podcast-1.0.dtd"
    static let media = "http://search.yahoo.com/mrss/"

    struct Entry {
        var title: String?
        var id: String?
        var date: String?
        var duration: String?
        /// The enclosure's address (the first audio one, else the first of unknown type).
        var audio: String?
        var audioIsSure = false
    }

    var parser: XML_Parser?
    var title: String?
    var entries: [Entry] = []
    var sawFeed = false
    var declaredEntities = false
    /// Element names from the root, as (namespace, local name).
    private var path: [(String, String)] = []
    private var entry: Entry?
    /// The text of the element being read, when it is one we keep, and that element's depth.
    private var text: String?
    private var textDepth = 0

    func started(_ qualified: String, attributes: [String: String]) {
        let name = Self.split(qualified)
        path.append(name)
        if path.count == 1 {
            sawFeed = name == ("", "rss") || name == (Self.atom, "feed")
        }
        switch name {
        case ("", "item"), (Self.atom, "entry"):
            if entries.count < FeedDocument.maxEpisodes * 2 { entry = Entry() }
        case ("", "enclosure") where entry != nil:
            offer(attributes["url"], type: attributes["type"])
        case (Self.media, "content") where entry != nil:
            offer(attributes["url"], type: attributes["type"] ?? attributes["medium"].map { $0 == "audio" ? "audio/" : $0 })
        case (Self.atom, "link") where entry != nil && attributes["rel"] == "enclosure":
            offer(attributes["href"], type: attributes["type"])
        default:
            break
        }
        if text == nil, keeps(name) {
            text = ""
            textDepth = path.count
        }
    }

    func ended() {
        let depth = path.count
        guard let name = path.popLast() else { return }
        if let value = text, depth == textDepth {
            store(value, for: name)
            text = nil
        }
        if name == ("", "item") || name == (Self.atom, "entry"), let done = entry {
            entries.append(done)
            entry = nil
        }
    }

    func characters(_ piece: String) {
        guard let current = text, current.utf8.count < FeedDocument.maxText else { return }
        text = current + piece
    }

    /// The elements whose text is kept: inside an episode, or the feed's own title.
    private func keeps(_ name: (String, String)) -> Bool {
        if entry != nil {
            switch name {
            case ("", "title"), ("", "guid"), ("", "pubDate"), (Self.itunes, "duration"),
                 (Self.atom, "title"), (Self.atom, "id"), (Self.atom, "published"), (Self.atom, "updated"):
                return path.count >= 2 && (path[path.count - 2] == ("", "item") || path[path.count - 2] == (Self.atom, "entry"))
            default:
                return false
            }
        }
        return title == nil && path.count == (name.0 == Self.atom ? 2 : 3) && (name == ("", "title") || name == (Self.atom, "title"))
    }

    private func store(_ value: String, for name: (String, String)) {
        let value = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { return }
        guard entry != nil else {
            title = value
            return
        }
        switch name {
        case ("", "title"), (Self.atom, "title"): entry?.title = value
        case ("", "guid"), (Self.atom, "id"): entry?.id = value
        case ("", "pubDate"), (Self.atom, "published"): entry?.date = value
        case (Self.atom, "updated"): if entry?.date == nil { entry?.date = value }
        case (Self.itunes, "duration"): entry?.duration = value
        default: break
        }
    }

    /// An enclosure: audio wins over one of unknown type; images and the like are no episode.
    private func offer(_ url: String?, type: String?) {
        guard let url, !url.isEmpty, entry?.audioIsSure == false else { return }
        let type = type?.lowercased()
        if let type, type.hasPrefix("audio/") {
            entry?.audio = url
            entry?.audioIsSure = true
        } else if type == nil || type == "" || type == "application/octet-stream" || type?.hasPrefix("video/") == true {
            // A video enclosure (mp4) carries an audio track the box can play.
            if entry?.audio == nil { entry?.audio = url }
        }
    }

    /// "namespace\u{1}local" (Expat's form) as (namespace, local); no namespace: ("", name).
    private static func split(_ qualified: String) -> (String, String) {
        guard let mark = qualified.firstIndex(of: "\u{1}") else { return ("", qualified) }
        return (String(qualified[..<mark]), String(qualified[qualified.index(after: mark)...]))
    }

    func stop() {
        declaredEntities = true
        if let parser { XML_StopParser(parser, 0) }
    }
}

private func reader(_ data: UnsafeMutableRawPointer?) -> FeedReader? {
    data.map { Unmanaged<FeedReader>.fromOpaque($0).takeUnretainedValue() }
}

private func feedElementStarted(_ data: UnsafeMutableRawPointer?, _ name: UnsafePointer<XML_Char>?, _ attributes: UnsafeMutablePointer<UnsafePointer<XML_Char>?>?) {
    guard let reader = reader(data), let name else { return }
    var values: [String: String] = [:]
    var index = 0
    while let attributes, let key = attributes[index], let value = attributes[index + 1] {
        // Attributes of interest are in no namespace; a namespaced one keeps its long name.
        values[String(cString: key)] = String(cString: value)
        index += 2
    }
    reader.started(String(cString: name), attributes: values)
}

private func feedElementEnded(_ data: UnsafeMutableRawPointer?, _ name: UnsafePointer<XML_Char>?) {
    reader(data)?.ended()
}

private func feedText(_ data: UnsafeMutableRawPointer?, _ text: UnsafePointer<XML_Char>?, _ length: Int32) {
    guard let reader = reader(data), let text, length > 0 else { return }
    let bytes = UnsafeRawPointer(text).assumingMemoryBound(to: UInt8.self)
    reader.characters(String(decoding: UnsafeBufferPointer(start: bytes, count: Int(length)), as: UTF8.self))
}

private func feedEntityDeclared(_ data: UnsafeMutableRawPointer?, _ name: UnsafePointer<XML_Char>?, _ isParameter: Int32,
                                _ value: UnsafePointer<XML_Char>?, _ valueLength: Int32, _ base: UnsafePointer<XML_Char>?,
                                _ systemID: UnsafePointer<XML_Char>?, _ publicID: UnsafePointer<XML_Char>?, _ notation: UnsafePointer<XML_Char>?) {
    reader(data)?.stop()
}
