/// The toddler lock: while on, the box's buttons do nothing (all of them, or all but volume
/// down), until a parent unlocks it from the web UI, with a command tag, or by holding two
/// buttons together for 3 seconds (``ControlAction/toddlerLock``, which is never locked).
public enum ToddlerLock {
    /// Which buttons the lock holds (the parents' `toddler_lock_mode`).
    public enum Mode: String, Sendable, Equatable, Codable, CaseIterable {
        case all
        /// Volume down still works: a box that is too loud can always be made quieter.
        case allButVolumeDown = "all_but_volume_down"
    }

    /// Whether a button's action goes through.
    public static func allows(_ action: ControlAction, locked: Bool, mode: Mode) -> Bool {
        guard locked else { return true }
        switch action {
        case .toddlerLock: return true
        case .volumeDown: return mode == .allButVolumeDown
        default: return false
        }
    }
}

/// Locks or unlocks the buttons (`nil`: the other way round). Kept in the settings, so a
/// restart does not unlock; shown as `state:player`'s `toddler_lock`.
public struct SetToddlerLock: BoxCommand {
    public var locked: Bool?

    public init(locked: Bool? = nil) { self.locked = locked }

    public func run(in context: inout CommandContext) throws -> PlayerState {
        let locked = locked ?? !context.player.toddlerLocked
        try context.store.setSetting(BoxSettings.toddlerLock, to: locked, now: context.now)
        context.player.toddlerLocked = locked
        return context.playerState
    }
}
