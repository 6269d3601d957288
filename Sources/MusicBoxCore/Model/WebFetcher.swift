/// Fetches what podcasts are made of over http and https: feed documents and episode files.
/// Blocking: call it from a thread made for it, never an event loop or the state manager;
/// `cancelled` is asked often while it waits and ends the fetch when it says so.
///
/// Failures are `download_failed` with a `reason`: `not_found`, `forbidden`, `timeout`,
/// `unreachable`, `too_large`, `cancelled`, `write_failed`.
public protocol WebFetcher: Sendable {
    /// The whole body at `url`, at most `maxBytes` of it.
    func fetch(_ url: String, maxBytes: Int, cancelled: @escaping @Sendable () -> Bool) throws(BoxError) -> [UInt8]
    /// Writes the body at `url` to a new file at `path` (removed again on failure); its length.
    func save(_ url: String, to path: String, maxBytes: Int64, cancelled: @escaping @Sendable () -> Bool) throws(BoxError) -> Int64
}
