import Foundation

/// Home Assistant's MQTT discovery: one device (the box) and its entities, each a retained
/// `<prefix>/<component>/<node>/<object>/config` whose JSON carries what Home Assistant's MQTT
/// integration requires of that component (state and command topics, `unique_id`, the `device`
/// block, availability). Every entity goes unavailable with the box's last will.
///
/// The entities: sensors (player state, title, playlist, health), a volume `number`, play,
/// pause, next and previous `button`s, a playlist `select` (its options are the playlists'
/// titles: sent again when they change), a sleep-timer `number` in minutes, a quiet-hours
/// `binary_sensor`, and the reader as a `tag` scanner (every placed tag's id on `tag/scanned`,
/// so a tap can trigger an automation).
public struct HomeAssistantDiscovery: Sendable {
    public let prefix: String
    public let node: String
    public let topics: MQTTTopics
    public let deviceName: String
    public let version: String

    public init(prefix: String, node: String, topics: MQTTTopics, deviceName: String, version: String) {
        self.prefix = prefix
        self.node = node
        self.topics = topics
        self.deviceName = deviceName
        self.version = version
    }

    /// Every entity's object id, with its component: what ``configs(playlists:)`` publishes and
    /// what switching discovery off clears.
    public static let entities: [(component: String, object: String)] = [
        ("sensor", "state"), ("sensor", "title"), ("sensor", "playlist"), ("sensor", "health"),
        ("number", "volume"), ("number", "sleep_timer"),
        ("button", "play"), ("button", "pause"), ("button", "next"), ("button", "previous"),
        ("select", "playlist_select"), ("binary_sensor", "quiet_hours"), ("tag", "reader"),
    ]

    public func topic(component: String, object: String) -> String { "\(prefix)/\(component)/\(node)/\(object)/config" }

    /// The config topic and JSON of every entity; `playlists` are the select's options, in the box's order.
    public func configs(playlists: [String]) -> [(topic: String, payload: String)] {
        Self.entities.map { entity in
            (topic(component: entity.component, object: entity.object), json(config(entity.component, entity.object, playlists: playlists)))
        }
    }

    private func config(_ component: String, _ object: String, playlists: [String]) -> [String: Any] {
        var config: [String: Any] = [
            "unique_id": "\(node)_\(object)",
            "device": device,
        ]
        if component != "tag" {
            config["availability_topic"] = topics.availability
            config["payload_available"] = "online"
            config["payload_not_available"] = "offline"
        }
        switch object {
        case "state":
            config["name"] = "Player"
            config["state_topic"] = topics.state("state")
            config["icon"] = "mdi:music"
        case "title":
            config["name"] = "Title"
            config["state_topic"] = topics.state("title")
            config["icon"] = "mdi:music-note"
        case "playlist":
            config["name"] = "Playlist"
            config["state_topic"] = topics.state("playlist")
            config["icon"] = "mdi:playlist-music"
        case "health":
            config["name"] = "Health"
            config["state_topic"] = topics.state("health")
            config["entity_category"] = "diagnostic"
        case "volume":
            config["name"] = "Volume"
            config["state_topic"] = topics.state("volume")
            config["command_topic"] = topics.command("volume")
            config["min"] = 0
            config["max"] = 100
            config["step"] = 1
            config["mode"] = "slider"
            config["icon"] = "mdi:volume-high"
        case "sleep_timer":
            config["name"] = "Sleep timer"
            config["state_topic"] = topics.state("sleep_timer")
            config["command_topic"] = topics.command("sleep")
            config["min"] = 0
            config["max"] = 120
            config["step"] = 5
            config["unit_of_measurement"] = "min"
            config["icon"] = "mdi:timer-outline"
        case "play", "pause", "next", "previous":
            config["name"] = object.prefix(1).uppercased() + object.dropFirst()
            config["command_topic"] = topics.command(object)
            config["icon"] = ["play": "mdi:play", "pause": "mdi:pause", "next": "mdi:skip-next", "previous": "mdi:skip-previous"][object]
        case "playlist_select":
            config["name"] = "Play playlist"
            config["state_topic"] = topics.state("playlist")
            config["command_topic"] = topics.command("playlist")
            // Home Assistant needs at least one option.
            config["options"] = playlists.isEmpty ? ["—"] : Array(playlists.prefix(250))
            config["icon"] = "mdi:playlist-play"
        case "quiet_hours":
            config["name"] = "Quiet hours"
            config["state_topic"] = topics.state("quiet_hours")
            config["payload_on"] = "ON"
            config["payload_off"] = "OFF"
            config["icon"] = "mdi:weather-night"
        case "reader":
            // Home Assistant's MQTT tag scanner: the payload on `topic` is the tag's id.
            config = ["topic": topics.tagScanned, "device": device]
        default:
            break
        }
        return config
    }

    private var device: [String: Any] {
        ["identifiers": ["musicboxd_\(node)"], "name": deviceName, "manufacturer": "musicboxd", "model": "Music box", "sw_version": version]
    }

    private func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
