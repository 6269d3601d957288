/// The parents' MQTT choices, made in the web UI or through `/api/settings/mqtt`. Each field set
/// here wins over the config file's `mqtt.*` value; a field left `nil` keeps the config file's.
/// The same type carries one change (the fields a request gives) and everything stored.
///
/// The password is kept (in the settings table) but is never shown: the API says only whether
/// one is set.
public struct MQTTPreferences: Codable, Sendable, Equatable {
    public var enabled: Bool?
    public var host: String?
    public var port: Int?
    /// TLS to the broker: its certificate checked against the config file's `mqtt.ca_file`, or
    /// the system's certificate authorities when that is empty.
    public var tls: Bool?
    /// An empty username or password: none.
    public var username: String?
    public var password: String?
    /// In a change, empty: back to the config file's (or the derived) client id, base topic or prefix.
    public var clientID: String?
    public var baseTopic: String?
    public var discovery: Bool?
    public var discoveryPrefix: String?
    public var trusted: Bool?

    public init(
        enabled: Bool? = nil, host: String? = nil, port: Int? = nil, tls: Bool? = nil, username: String? = nil, password: String? = nil,
        clientID: String? = nil, baseTopic: String? = nil, discovery: Bool? = nil, discoveryPrefix: String? = nil, trusted: Bool? = nil
    ) {
        self.enabled = enabled
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self.password = password
        self.clientID = clientID
        self.baseTopic = baseTopic
        self.discovery = discovery
        self.discoveryPrefix = discoveryPrefix
        self.trusted = trusted
    }

    enum CodingKeys: String, CodingKey {
        case enabled, host, port, tls, username, password, discovery, trusted
        case clientID = "client_id"
        case baseTopic = "base_topic"
        case discoveryPrefix = "discovery_prefix"
    }

    public static let fieldNames = "enabled, host, port, tls, username, password, client_id, base_topic, discovery, discovery_prefix, trusted"

    public var isEmpty: Bool { self == MQTTPreferences() }

    /// These preferences with `change`'s fields over them.
    public func updated(by change: MQTTPreferences) -> MQTTPreferences {
        func pick<Value>(_ new: Value?, _ old: Value?) -> Value? { new ?? old }
        func orDefault(_ new: String?, _ old: String?) -> String? {
            guard let new else { return old }
            return new.isEmpty ? nil : new
        }
        return MQTTPreferences(
            enabled: pick(change.enabled, enabled), host: pick(change.host, host), port: pick(change.port, port), tls: pick(change.tls, tls),
            username: pick(change.username, username), password: pick(change.password, password),
            clientID: orDefault(change.clientID, clientID), baseTopic: orDefault(change.baseTopic, baseTopic),
            discovery: pick(change.discovery, discovery), discoveryPrefix: orDefault(change.discoveryPrefix, discoveryPrefix),
            trusted: pick(change.trusted, trusted)
        )
    }

    /// Every field checked before anything is written, so a refusal changes nothing. The limits
    /// keep each value something libmosquitto and the broker take as it is.
    public func validate() throws(BoxError) {
        if let host {
            guard (1...253).contains(host.utf8.count), host.unicodeScalars.allSatisfy(Self.isHostCharacter) else {
                throw BoxError.validation(field: "host", "host must be a host name or an address (letters, digits, '.', '-', ':'), at most 253 characters.")
            }
        }
        if let port, !(1...65535).contains(port) { throw BoxError.validation(field: "port", "port must be from 1 to 65535.") }
        for (name, value) in [("username", username), ("password", password)] {
            guard let value else { continue }
            guard value.utf8.count <= 256, !value.unicodeScalars.contains(where: Self.isControl) else {
                throw BoxError.validation(field: name, "\(name) must be at most 256 bytes, without control characters.")
            }
        }
        if let clientID, !clientID.isEmpty {
            guard clientID.utf8.count <= 64, clientID.unicodeScalars.allSatisfy(Self.isIDCharacter) else {
                throw BoxError.validation(field: "client_id", "client_id must be at most 64 letters, digits, '-', '_' or '.' (empty: the default).")
            }
        }
        for (name, value, limit) in [("base_topic", baseTopic, 128), ("discovery_prefix", discoveryPrefix, 64)] {
            guard let value, !value.isEmpty else { continue }
            guard value.utf8.count <= limit, Self.isTopicPrefix(value) else {
                throw BoxError.validation(
                    field: name, "\(name) must be a topic of at most \(limit) bytes: levels joined by '/', none empty, no '+', '#' or leading '$' (empty: the default).")
            }
        }
    }

    /// A topic the box may publish under: no wildcards, no empty level, not a broker's `$` topic.
    public static func isTopicPrefix(_ topic: String) -> Bool {
        guard !topic.hasPrefix("$") else { return false }
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        return levels.allSatisfy { !$0.isEmpty } && !topic.unicodeScalars.contains { $0 == "+" || $0 == "#" || isControl($0) }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7F }

    static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-:_".unicodeScalars.contains(scalar))
    }

    static func isIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
    }
}
