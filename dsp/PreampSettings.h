#pragma once
// The user-facing preamp controls as plain values, in the units a recordist uses.
// Shared by the session model, the command line and the UI; Preamp applies them.

#include <cstdint>

namespace gainstage {

enum class Source : uint8_t { Mic, DI };
enum class Model : uint8_t { Clean, Tube, Transformer };
enum class LowCut : uint8_t { Off, Hz50, Hz80, Hz160, Hz300 };

struct GainRange {
    float minDb;
    float maxDb;
};

// Mic -20..+60 dB, DI -20..+40 dB.
constexpr GainRange gainRangeFor(Source source) noexcept {
    return source == Source::Mic ? GainRange{-20.0f, 60.0f} : GainRange{-20.0f, 40.0f};
}

// The interface's own input impedance that the recording was made through.
// Input Z is modelled relative to it, so the default Input Z changes nothing.
constexpr float kInterfaceMicInputOhms = 1200.0f;
constexpr float kInterfaceDiInputOhms = 1.0e6f;

constexpr float defaultInputImpedanceOhms(Source source) noexcept {
    return source == Source::Mic ? kInterfaceMicInputOhms : kInterfaceDiInputOhms;
}

constexpr float lowCutHz(LowCut lowCut) noexcept {
    switch (lowCut) {
    case LowCut::Hz50: return 50.0f;
    case LowCut::Hz80: return 80.0f;
    case LowCut::Hz160: return 160.0f;
    case LowCut::Hz300: return 300.0f;
    case LowCut::Off: break;
    }
    return 0.0f;
}

constexpr float kPadDb = -20.0f;
constexpr float kDefaultCalibrationDbu = 18.0f; // 0 dBFS = +18 dBu (EBU R68)

struct PreampSettings {
    Source source = Source::Mic;
    Model model = Model::Clean;
    float gainDb = 0.0f;
    bool pad = false;
    LowCut lowCut = LowCut::Off;
    bool phaseInverted = false;
    float inputImpedanceOhms = kInterfaceMicInputOhms;
    float outputTrimDb = 0.0f;
    float calibrationDbu = kDefaultCalibrationDbu;
};

} // namespace gainstage
