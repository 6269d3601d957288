/// A typed key of the persistent settings table, with the value used when nothing is stored.
/// Keys are declared once, here, so every reader and writer agrees on name, type and default.
public struct SettingKey<Value: Codable & Sendable & Equatable>: Sendable {
    public let name: String
    public let defaultValue: Value

    public init(_ name: String, default defaultValue: Value) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// The box's persistent settings. Each is read at start and changed only through ``UpdateSettings``.
public enum BoxSettings {
    /// The loudest the box plays (0–100); parents set it, every volume request is capped by it.
    public static let maxVolume = SettingKey<Int>("max_volume", default: 100)
    /// The volume at start, so a box left loud at night starts gently in the morning.
    public static let startupVolume = SettingKey<Int>("startup_volume", default: 50)
}

/// The settings as clients see them (`/api/settings`).
public struct SettingsSnapshot: Sendable, Equatable, Codable {
    public var maxVolume: Int
    public var startupVolume: Int

    public init(maxVolume: Int, startupVolume: Int) {
        self.maxVolume = maxVolume
        self.startupVolume = startupVolume
    }

    enum CodingKeys: String, CodingKey {
        case maxVolume = "max_volume"
        case startupVolume = "startup_volume"
    }
}
