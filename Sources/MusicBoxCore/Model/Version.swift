/// The daemon's version, reported by `/api/system/info` and `musicboxd --version`.
public enum MusicBoxVersion {
    public static let current = "0.1.0"
}
