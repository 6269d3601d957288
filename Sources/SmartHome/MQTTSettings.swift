/// How the box reaches its MQTT broker (the `mqtt.*` settings).
public struct MQTTSettings: Sendable, Equatable {
    public var enabled = false
    public var host = "localhost"
    public var port = 1883
    /// TLS when set: the broker's certificate is checked against this CA file (and its host name).
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
}
