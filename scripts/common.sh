# Shared by scripts/run and scripts/test: installs what is missing, then configures and builds.
# Sourced, not run.

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="$ROOT_DIR/build"

# What the app needs to build and run.
RUN_PACKAGES=(cmake g++ make pkg-config qt6-base-dev qt6-base-dev-tools libgl-dev
              portaudio19-dev libsndfile1-dev)
# What the tests and benchmarks need on top: oracles (libebur128, sox, bs2b),
# signal makers (espeak-ng), the JACK dummy server, a virtual display and
# xdotool to press keys in the real window, clang with its sanitizer and
# libFuzzer runtimes for scripts/fuzz, and the LV2 anchors and jack_capture for
# the side-by-side benchmarks.
TEST_PACKAGES=(libebur128-dev libbenchmark-dev espeak-ng sox xvfb xauth xdotool jackd2 libjack-jackd2-dev
               libbs2b-dev libbs2b-bin lv2file guitarix-lv2 zam-plugins jack-capture clang libclang-rt-14-dev)

install_missing() {
    local missing=()
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    echo "gainstage: installing ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "gainstage: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
        sudo="sudo"
    fi
    # jackd2 asks about real-time priority unless told not to.
    echo "jackd2 jackd/tweak_rt_limits boolean false" | $sudo debconf-set-selections 2>/dev/null || true
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure_and_build() {
    cmake -S "$ROOT_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
    cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}
