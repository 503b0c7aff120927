#!/bin/sh
# Regenerates the Virtual backend's demo material (run from anywhere):
#   resources/demo/vocal.flac      input 1: a sung-ish vocal phrase (espeak-ng, then sox)
#   resources/demo/guitar_di.flac  input 2: a DI guitar riff (make_guitar_di.cpp, Karplus-Strong)
# Both are mono, 48 kHz, 16-bit FLAC (small enough to ship: under 300 KB each), a few seconds long, with peaks at about
# -15 dBFS (vocal) and -14 dBFS (guitar): what a real vocal and a real DI give at
# an interface before the preamp's Gain does its work.
# Needs: espeak-ng, sox (with FLAC), g++.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Vocal: each syllable gets its own pitch and length through SSML prosody, so
# the phrase follows a melody (A3 C4 D4 E4 D4 C4 A3 ...) instead of speech
# intonation; sox then slows it a little (longer vowels), takes out the rumble
# and the synthetic fizz, and adds a touch of tremolo for life.
cat > "$work/phrase.ssml" <<'SSML'
<speak>
<prosody rate="90%">
<prosody pitch="-2st">Oh,</prosody>
<prosody pitch="+1st">I've</prosody>
<prosody pitch="+3st">been</prosody>
<prosody pitch="+5st">wai</prosody><prosody pitch="+3st">ting</prosody>
<prosody pitch="+1st">all</prosody>
<prosody pitch="-2st">night</prosody>
<prosody pitch="+0st">for</prosody>
<prosody pitch="+3st">you.</prosody>
</prosody>
</speak>
SSML
espeak-ng -m -v en+f3 -p 55 -s 110 -g 2 -w "$work/vocal_raw.wav" -f "$work/phrase.ssml"
sox "$work/vocal_raw.wav" -r 48000 -c 1 "$work/vocal.wav" tempo -s 0.9 highpass 90 lowpass 9000 tremolo 5.5 8 \
    pad 0.15 0.3 fade t 0.01 -0 0.05
sox "$work/vocal.wav" -b 16 "$here/vocal.flac" norm -15

# Guitar: the generator writes raw float; sox levels it and encodes it.
g++ -std=c++17 -O2 -o "$work/make_guitar_di" "$here/make_guitar_di.cpp"
"$work/make_guitar_di" | sox -t raw -r 48000 -e floating-point -b 32 -c 1 - -b 16 "$here/guitar_di.flac" norm -14

ls -l "$here/vocal.flac" "$here/guitar_di.flac"
