import Audio
import Controls
import MediaLibrary
import NFC

/// The C libraries this binary runs with, as loaded at run time (`musicboxd libraries`): which
/// libgpiod API a build uses, and which FFmpeg, differ between bookworm and trixie.
public enum LinkedLibraries {
    public static var all: [String] {
        [LibGPIODInput.library, AudioFileDecoder.library, ALSAOutput.library, LibNFCReader.library, GRDBLibraryStore.library]
    }
}
