/// Which hardware the daemon drives.
public enum HardwareMode: String, Sendable, Codable, CaseIterable {
    /// Use each real device that is present, its simulated twin where it is not.
    case auto
    /// Real devices only; a missing one is reported unavailable in health.
    case real
    /// Simulated twins only (laptops, tests, demos).
    case sim
}

/// Log verbosity names, in swift-log's order.
public enum LogLevelName: String, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}
