#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit. Every connection is a descriptor: at the shell's usual soft
/// limit of 1024 a thousand idle sockets would leave none for the database or the next phone, so
/// the daemon raises its soft limit to the hard one (which the systemd unit sets with
/// `LimitNOFILE`) and keeps its connection limit below what it got.
enum DescriptorLimit {
    /// Raises the soft limit as far as allowed (at most 65 536); returns the soft limit in force.
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        let wanted = min(limit.rlim_max, 65_536)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(limit.rlim_cur)
    }
}
