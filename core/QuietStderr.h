#pragma once
// Keeps the chatter of audio libraries off the user's terminal and log.
//
// Probing audio devices makes the ALSA library print "ALSA lib pcm.c: Unknown
// PCM ..." for every configured PCM that has no card behind it, and libjack
// print "Cannot connect to server socket" when no JACK server runs. Both write
// straight to file descriptor 2, below any logging we control, so while a
// QuietStderr lives fd 2 points at /dev/null; the destructor puts the original
// back. Nested scopes are counted, so only the outermost one swaps the fd.
//
// The swap is process-wide: another thread that writes to stderr inside the
// window loses that line. The windows are short (initialising PortAudio,
// probing, opening and closing a stream) and happen on the control thread,
// never on the audio thread.
//
// Threads: [control thread] (any non-real-time thread; scopes are serialised
// by an internal mutex held only while the fd is swapped in or out).

namespace gainstage {

class QuietStderr {
public:
    QuietStderr();
    ~QuietStderr();
    QuietStderr(const QuietStderr&) = delete;
    QuietStderr& operator=(const QuietStderr&) = delete;
};

} // namespace gainstage
