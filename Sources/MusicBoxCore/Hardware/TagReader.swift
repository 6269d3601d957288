/// What a tag reader tells the box: a tag came to rest on it, or left it for good.
///
/// Readers report *settled* changes: a tag lying still is placed once however long it stays, and
/// a flicker of the radio field shorter than the grace time is not a removal (``TagPresence``).
public enum TagEvent: Sendable, Equatable {
    case placed(TagID)
    case removed(TagID)
}

/// The seam between the box and an NFC reader: libnfc on the box, a simulated reader elsewhere.
/// A reader works on its own thread and calls its handler from there; it recovers from an
/// unplugged device by itself.
public protocol TagReader: AnyObject, Sendable {
    /// Where events go. Set once, before `start`.
    func setEventHandler(_ handler: @escaping @Sendable (TagEvent) -> Void)
    /// Starts reading (opening the device, retrying while it is missing).
    func start()
    /// Stops at once, aborting a pending poll.
    func shutdown()
    /// The reader's state for health reports.
    var health: ComponentHealth { get }
    /// The tag on the reader now, if any.
    var currentTag: TagID? { get }
    /// Why the reader is unavailable, for health reports ("no NFC reader at pn532_uart:/dev/ttyS0").
    var problem: String? { get }
}

extension TagReader {
    public var problem: String? { nil }
}

/// A reader whose tags are placed and removed by hand: the simulated one, for laptops and the
/// dev endpoints (`POST /api/dev/nfc/place|remove`, present only with simulated hardware).
@_spi(Simulation) public protocol ManualTagReader: TagReader {
    func place(_ tag: TagID)
    func remove()
}
