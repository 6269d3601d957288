/// How audio files are named in the media folder: `<track-id>.<ext>`, the extension from a fixed
/// list. No part of a stored name is ever typed by a user, so no upload can reach outside the folder.
public enum MediaFileName {
    /// Extensions a stored file may have: the formats the decoder plays.
    public static let extensions: Set<String> = ["mp3", "m4a", "m4b", "aac", "flac", "ogg", "oga", "opus", "wav", "aif", "aiff", "mka"]

    /// The stored name for a track's file. Unknown extensions become `bin`, which the decoder probes by content.
    public static func forTrack(_ track: TrackID, fileExtension: String) -> String {
        let ext = fileExtension.lowercased()
        return "\(track).\(extensions.contains(ext) ? ext : "bin")"
    }
}
