import Foundation
import MusicBoxCore

/// Where the box publishes and listens under its base topic, and what it publishes there: one
/// place for the layout, so the bridge, Home Assistant's discovery and the README agree.
///
/// Retained state: `availability` (`online`/`offline`, the last will), `state` (`playing`,
/// `paused`, `stopped`), `title`, `artist`, `album`, `playlist`, `playlist_id`, `volume`,
/// `max_volume`, `muted` (`ON`/`OFF`), `position` (seconds, at most once a second),
/// `sleep_timer` (minutes left, 0 when off), `quiet_hours` (`ON`/`OFF`), `health`, and
/// `player` (all of it as one JSON object). Not retained: `tag` (every tap and lift, JSON) and
/// `tag/scanned` (a placed tag's id, for Home Assistant's tag scanner), `cmd/result` (the answer
/// to each command). Commands: `cmd/<name>` (the gateway's `MQTTCommands`).
public struct MQTTTopics: Sendable, Equatable {
    public let base: String

    public init(base: String) { self.base = base }

    public var availability: String { "\(base)/availability" }
    public var tag: String { "\(base)/tag" }
    /// Each placed tag's id alone (Home Assistant's tag scanner reads it).
    public var tagScanned: String { "\(base)/tag/scanned" }
    public var commands: String { "\(base)/cmd/+" }
    public var commandResult: String { "\(base)/cmd/result" }
    public func state(_ name: String) -> String { "\(base)/\(name)" }
    public func command(_ name: String) -> String { "\(base)/cmd/\(name)" }

    /// The command a topic names, if it is one of ours.
    public func commandName(of topic: String) -> String? {
        let prefix = "\(base)/cmd/"
        guard topic.hasPrefix(prefix) else { return nil }
        let name = String(topic.dropFirst(prefix.count))
        return name.isEmpty || name.contains("/") || name == "result" ? nil : name
    }

    /// A host name as a topic level and an id part: lower-case letters, digits, `_` and `-`.
    public static func node(_ hostname: String) -> String {
        let cleaned = hostname.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" }
        let text = String(cleaned.prefix(48))
        return text.isEmpty ? "box" : text
    }

    /// The retained values of a player state, by topic name (all but `position` and `health`,
    /// which have their own pace).
    public static func values(of player: PlayerState, now: EpochMillis) -> [(String, String)] {
        let title = player.streamTitle ?? player.activeTrack?.title ?? ""
        let sleepMinutes = player.sleepTimerEndsAt.map { max(0, Int((($0 - now) + 59_999) / 60_000)) } ?? 0
        return [
            ("state", player.status.rawValue),
            ("title", title),
            ("artist", player.activeTrack?.artist ?? ""),
            ("album", player.activeTrack?.album ?? ""),
            ("playlist", player.activePlaylistTitle ?? ""),
            ("playlist_id", player.activePlaylistID?.description ?? ""),
            ("volume", String(player.volume)),
            ("max_volume", String(player.maxVolume)),
            ("muted", player.muted ? "ON" : "OFF"),
            ("sleep_timer", String(sleepMinutes)),
            ("quiet_hours", player.quietHoursActive ? "ON" : "OFF"),
            ("player", json(player)),
        ]
    }

    static func json(_ player: PlayerState) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(player)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
