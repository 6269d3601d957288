/// A group of clients that receive the same events (CONTRACT §2).
public enum Room: Sendable, Hashable, CustomStringConvertible {
    /// Player state, position ticks and the playlist collection.
    case playlists
    /// One playlist: its tracks and uploads.
    case playlist(PlaylistID)
    /// NFC association sessions.
    case nfc
    /// Members of `playlists` that asked for changes of one playlist as that playlist alone
    /// (`join:playlists {deltas: true}`): they get `state:playlist_updated` instead of the whole
    /// `state:playlists` collection. Not a room clients name: joining `playlists` puts them here.
    case playlistDeltas
    /// One client alone: every socket is in the room named by its id, as in Socket.IO (a link
    /// task's events reach the parent that asked for it wherever they are in the web UI).
    case socket(String)

    /// The Socket.IO room name: `playlists`, `playlist:{id}`, `nfc`.
    public var description: String {
        switch self {
        case .playlists: "playlists"
        case .playlist(let id): "playlist:\(id)"
        case .nfc: "nfc"
        case .playlistDeltas: "playlists#deltas"
        case .socket(let id): id
        }
    }

    /// Whether clients name it (join, leave, sync); internal rooms are not reported back to them.
    public var isPublic: Bool {
        switch self {
        case .playlistDeltas, .socket: false
        default: true
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

    /// Parses a Socket.IO room this server made, internal ones included.
    public init?(socketRoom name: String) {
        if name == Room.playlistDeltas.description {
            self = .playlistDeltas
        } else {
            self.init(name: name)
        }
    }
}
