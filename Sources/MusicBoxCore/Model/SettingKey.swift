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
