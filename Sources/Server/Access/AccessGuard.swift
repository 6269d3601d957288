import MusicBoxCore
import Parental

/// The one check behind every operation's access level, for HTTP (``RequireAccess``) and
/// Socket.IO (``RealtimeGateway``) alike: open operations pass; playback passes unless the parents'
/// `playback_requires_token` is on; the rest needs a parent token once a PIN is set.
public struct AccessGuard: Sendable {
    let parental: ParentalAccess?
    let state: StateManager

    public init(parental: ParentalAccess?, state: StateManager) {
        self.parental = parental
        self.state = state
    }

    func check(_ access: APIOperation.Access, token: String?) async throws(BoxError) {
        guard access != .open, let parental, parental.isPINSet else { return }
        let playbackNeedsToken = access == .playback ? await state.playbackRequiresToken : false
        if case .refused(let error) = parental.decide(access.requirement, token: token, playbackNeedsToken: playbackNeedsToken) {
            throw error
        }
    }
}
