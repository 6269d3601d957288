import Foundation

/// The one place for what a stream's address may be: an absolute `http` or `https` URL with a
/// host, printable ASCII (a parent pastes it; a URL with spaces or control characters is a paste
/// gone wrong, and one that is not ASCII has not been percent-encoded), at most ``maxLength``
/// bytes. The scheme and host are lowercased; the rest is kept as given.
public enum StreamURL {
    public static let maxLength = 2048

    public static func check(_ raw: String, field: String = "url") throws(BoxError) -> String {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { throw .validation(field: field, "\(field) must not be empty.") }
        guard text.utf8.count <= maxLength else {
            throw .validation(field: field, "\(field) is \(text.utf8.count) bytes; the limit is \(maxLength).")
        }
        guard text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .validation(field: field, "\(field) must be a web address without spaces or other characters that need encoding.")
        }
        guard var parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              scheme == "http" || scheme == "https"
        else {
            throw .validation(field: field, "\(field) must start with http:// or https://.")
        }
        guard let host = parts.host, !host.isEmpty else { throw .validation(field: field, "\(field) names no server.") }
        if let port = parts.port, !(1...65535).contains(port) { throw .validation(field: field, "\(field) has no valid port.") }
        parts.scheme = scheme
        parts.host = host.lowercased()
        guard let url = parts.string else { throw .validation(field: field, "\(field) is not a web address.") }
        return url
    }

    /// A URL as messages and logs show it: without a password, if it has one.
    public static func shown(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? url
    }
}

/// A live stream to add to a playlist, once its address is checked and it was heard to be audio.
public struct NewStream: Sendable, Equatable {
    public var id: TrackID
    public var url: String
    public var title: String

    public init(id: TrackID = TrackID(), url: String, title: String) {
        self.id = id
        self.url = url
        self.title = title
    }
}

/// What a stream said when the box listened to it before adding it.
public struct StreamFacts: Sendable, Equatable {
    /// The station's name (ICY `icy-name`), if it gives one.
    public var stationName: String?
    /// The codec, as FFmpeg names it (`mp3`, `aac`, `opus`).
    public var codec: String

    public init(stationName: String?, codec: String) {
        self.stationName = stationName
        self.codec = codec
    }
}

/// Listens to a stream off the state manager and the event loops (its own thread), to tell a
/// parent at once that an address is no radio station; throws `stream_unavailable`.
public typealias StreamProber = @Sendable (_ url: String) async throws(BoxError) -> StreamFacts
