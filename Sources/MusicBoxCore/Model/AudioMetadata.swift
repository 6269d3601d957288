import Foundation

/// What probing an audio file found out: its real length, its tags and its format.
/// Sent to clients in `upload:complete` as `metadata`.
public struct AudioMetadata: Sendable, Equatable, Codable {
    public var title: String?
    public var artist: String?
    public var album: String?
    /// The track's number on its album (the tag), not its place in a playlist.
    public var trackNumber: Int?
    public var discNumber: Int?
    public var durationMs: Int64
    /// The container as FFmpeg names it: `mp3`, `flac`, `ogg`, `wav`, `mov,mp4,m4a,3gp,3g2,mj2`, …
    public var container: String
    /// The audio codec: `mp3`, `aac`, `flac`, `vorbis`, `opus`, `pcm_s16le`, …
    public var codec: String
    public var sampleRate: Int
    public var channels: Int
    public var bitRate: Int?
    public var hasCover: Bool
    /// Tags longer than a title may be, cut to fit (`title`, `artist`, `album`).
    public var truncatedTags: [String]

    public init(
        title: String? = nil, artist: String? = nil, album: String? = nil, trackNumber: Int? = nil, discNumber: Int? = nil,
        durationMs: Int64, container: String, codec: String, sampleRate: Int, channels: Int, bitRate: Int? = nil, hasCover: Bool = false,
        truncatedTags: [String] = []
    ) {
        self.truncatedTags = truncatedTags
        self.title = title
        self.artist = artist
        self.album = album
        self.trackNumber = trackNumber
        self.discNumber = discNumber
        self.durationMs = durationMs
        self.container = container
        self.codec = codec
        self.sampleRate = sampleRate
        self.channels = channels
        self.bitRate = bitRate
        self.hasCover = hasCover
    }

    enum CodingKeys: String, CodingKey {
        case title, artist, album, container, codec, channels
        case trackNumber = "track_number"
        case discNumber = "disc_number"
        case durationMs = "duration_ms"
        case sampleRate = "sample_rate"
        case bitRate = "bit_rate"
        case hasCover = "has_cover"
        case truncatedTags = "truncated_tags"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            title: try container.decodeIfPresent(String.self, forKey: .title),
            artist: try container.decodeIfPresent(String.self, forKey: .artist),
            album: try container.decodeIfPresent(String.self, forKey: .album),
            trackNumber: try container.decodeIfPresent(Int.self, forKey: .trackNumber),
            discNumber: try container.decodeIfPresent(Int.self, forKey: .discNumber),
            durationMs: try container.decode(Int64.self, forKey: .durationMs),
            container: try container.decode(String.self, forKey: .container), codec: try container.decode(String.self, forKey: .codec),
            sampleRate: try container.decode(Int.self, forKey: .sampleRate), channels: try container.decode(Int.self, forKey: .channels),
            bitRate: try container.decodeIfPresent(Int.self, forKey: .bitRate),
            hasCover: try container.decodeIfPresent(Bool.self, forKey: .hasCover) ?? false,
            truncatedTags: try container.decodeIfPresent([String].self, forKey: .truncatedTags) ?? []
        )
    }
}

/// A picture embedded in an audio file (an album cover), as stored and served.
public struct Artwork: Sendable, Equatable {
    /// `image/jpeg` or `image/png` (what `Content-Type` says when it is served).
    public var mimeType: String
    public var data: Data

    public init(mimeType: String, data: Data) {
        self.mimeType = mimeType
        self.data = data
    }

    /// Covers larger than this are not kept (a poster-sized scan would bloat the database and
    /// every phone that shows it).
    public static let maximumBytes = 4 * 1024 * 1024
}

/// A probed file: its facts, its cover if it has one, and its chapters (as kept).
public struct ProbedAudio: Sendable, Equatable {
    public var metadata: AudioMetadata
    public var artwork: Artwork?
    public var chapters: [Chapter]

    public init(metadata: AudioMetadata, artwork: Artwork?, chapters: [Chapter] = []) {
        self.metadata = metadata
        self.artwork = artwork
        self.chapters = chapters
    }
}

/// Checks that a file is audio this box can play, by decoding it, and reads its facts.
/// Blocking: call it from a thread made for blocking work, never an event loop or the state manager.
public protocol AudioProbe: Sendable {
    /// Throws `unsupported_format` (with a `reason` detail) for anything that does not decode
    /// all the way: not audio, a codec the box lacks, a file cut short.
    func probe(path: String) throws(BoxError) -> ProbedAudio
}
