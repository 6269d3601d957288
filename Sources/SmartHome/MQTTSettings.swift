import MusicBoxCore

/// How the box reaches its MQTT broker: the config file's `mqtt.*` with the parents' choices
/// over it (``applying(_:)``).
public struct MQTTSettings: Sendable, Equatable {
    public var enabled = false
    public var host = "localhost"
    public var port = 1883
    /// TLS to the broker, its host name checked against its certificate.
    public var tls = false
    /// The certificate authority TLS checks the broker against (`nil`: the system's).
    public var caFile: String?
    public var username: String?
    /// Never logged, never shown by the API.
    public var password: String?
    public var clientID: String
    /// `musicbox/<hostname>` unless set.
    public var baseTopic: String
    /// Home Assistant's discovery: on, its configs are published; off, they are cleared.
    public var discovery = true
    public var discoveryPrefix = "homeassistant"
    /// This box as a topic level and id part (from the host name).
    public var node: String
    /// The device's name in Home Assistant.
    public var deviceName = "Music Box"
    /// The broker's users are the parents' own: commands need no parent token even when
    /// `playback_requires_token` is on.
    public var trusted = false
    public var keepAliveS = 30

    public init(hostname: String) {
        let node = MQTTTopics.node(hostname)
        self.node = node
        clientID = "musicboxd-\(node)"
        baseTopic = "musicbox/\(node)"
    }

    /// These settings with the parents' choices over them (an empty username or password: none).
    public func applying(_ preferences: MQTTPreferences) -> MQTTSettings {
        var settings = self
        settings.enabled = preferences.enabled ?? enabled
        settings.host = preferences.host ?? host
        settings.port = preferences.port ?? port
        settings.tls = preferences.tls ?? tls
        if let username = preferences.username { settings.username = username.isEmpty ? nil : username }
        if let password = preferences.password { settings.password = password.isEmpty ? nil : password }
        settings.clientID = preferences.clientID ?? clientID
        settings.baseTopic = preferences.baseTopic ?? baseTopic
        settings.discovery = preferences.discovery ?? discovery
        settings.discoveryPrefix = preferences.discoveryPrefix ?? discoveryPrefix
        settings.trusted = preferences.trusted ?? trusted
        return settings
    }

    /// Whether going from `self` to `other` needs a new connection (rather than new discovery
    /// configs or a new trust, which the running connection takes as it is).
    public func connectsDifferently(from other: MQTTSettings) -> Bool {
        var mine = self
        let theirs = other
        mine.discovery = theirs.discovery
        mine.discoveryPrefix = theirs.discoveryPrefix
        mine.deviceName = theirs.deviceName
        mine.trusted = theirs.trusted
        return mine != theirs
    }
}
