/// Changes the parents' MQTT choices (``MQTTPreferences``): the fields given replace the stored
/// ones, the rest stay. Returns everything now stored; the smart-home gateway reads it again and
/// reconnects when the connection changed.
public struct UpdateMQTTPreferences: BoxCommand {
    public var change: MQTTPreferences

    public init(_ change: MQTTPreferences) { self.change = change }

    public func run(in context: inout CommandContext) throws -> SavedMQTTPreferences {
        guard !change.isEmpty else { throw BoxError.validation(field: "body", "Give at least one of \(MQTTPreferences.fieldNames).") }
        try change.validate()
        // A stored value that no longer reads is replaced by this change rather than blocking
        // the parents from fixing their settings.
        let stored = (try? context.store.setting(BoxSettings.mqtt)) ?? MQTTPreferences()
        let updated = stored.updated(by: change)
        try context.store.setSetting(BoxSettings.mqtt, to: updated, now: context.now)
        return SavedMQTTPreferences(preferences: updated)
    }
}

/// What ``UpdateMQTTPreferences`` stored. Its encoding (what a Socket.IO client told of the
/// operation sees) leaves the password out and says only whether one is set.
public struct SavedMQTTPreferences: Sendable, Equatable, Encodable {
    public let preferences: MQTTPreferences

    public init(preferences: MQTTPreferences) { self.preferences = preferences }

    enum CodingKeys: String, CodingKey {
        case enabled, host, port, tls, username, discovery, trusted
        case passwordSet = "password_set"
        case clientID = "client_id"
        case baseTopic = "base_topic"
        case discoveryPrefix = "discovery_prefix"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(preferences.enabled, forKey: .enabled)
        try container.encodeIfPresent(preferences.host, forKey: .host)
        try container.encodeIfPresent(preferences.port, forKey: .port)
        try container.encodeIfPresent(preferences.tls, forKey: .tls)
        try container.encodeIfPresent(preferences.username, forKey: .username)
        try container.encode(preferences.password.map { !$0.isEmpty }, forKey: .passwordSet)
        try container.encodeIfPresent(preferences.clientID, forKey: .clientID)
        try container.encodeIfPresent(preferences.baseTopic, forKey: .baseTopic)
        try container.encodeIfPresent(preferences.discovery, forKey: .discovery)
        try container.encodeIfPresent(preferences.discoveryPrefix, forKey: .discoveryPrefix)
        try container.encodeIfPresent(preferences.trusted, forKey: .trusted)
    }
}
