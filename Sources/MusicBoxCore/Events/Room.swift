/// A group of clients that receive the same events (CONTRACT §2).
public enum Room: Sendable, Hashable, CustomStringConvertible {
    /// Player state, position ticks and the playlist collection.
    case playlists
    /// One playlist: its tracks and uploads.
    case playlist(PlaylistID)
    /// NFC association sessions.
    case nfc

    /// The Socket.IO room name: `playlists`, `playlist:{id}`, `nfc`.
    public var description: String {
        switch self {
        case .playlists: "playlists"
        case .playlist(let id): "playlist:\(id)"
        case .nfc: "nfc"
        }
    }

    /// Parses a room name as clients write it; `nil` for anything else.
    public init?(name: String) {
        switch name {
        case "playlists": self = .playlists
        case "nfc": self = .nfc
        default:
            guard name.hasPrefix("playlist:"), let id = PlaylistID(String(name.dropFirst("playlist:".count))) else { return nil }
            self = .playlist(id)
        }
    }
}
