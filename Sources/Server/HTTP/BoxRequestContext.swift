import Hummingbird
import NIOCore

/// The request context of the box's router: Hummingbird's basics plus the peer's address, which
/// the PIN attempt limit counts by.
public struct BoxRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer as the PIN attempt limit knows it: its IP address.
    var clientKey: String { remoteAddress?.ipAddress ?? "unknown" }
}
