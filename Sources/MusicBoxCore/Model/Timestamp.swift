import Foundation

/// Milliseconds since the Unix epoch: the one time format of the contract.
public typealias EpochMillis = Int64

extension Date {
    public var epochMillis: EpochMillis { EpochMillis((timeIntervalSince1970 * 1000).rounded()) }
}

/// Where the box reads the time. Tests pass a fixed or stepped clock.
public struct WallClock: Sendable {
    public let now: @Sendable () -> Date
    public init(now: @escaping @Sendable () -> Date) { self.now = now }
    public static let system = WallClock { Date() }
    public var millis: EpochMillis { now().epochMillis }
}
