#pragma once
// The physical description of a monitor speaker, and the built-in models.
//
// Why constexpr data here rather than a JSON loader: the models must be the
// same wherever the monitor section runs (the engine, `gainstage render`, the
// benchmarks, which link dsp/ only), dsp/ does no I/O, and a model that fails
// to load must not be possible at run time. resources/speakers/*.json mirrors
// this table for people and tools (one file per model); test_monitor_catalog
// reads them with QJsonDocument and checks that every value equals this table,
// so the two cannot drift apart.
//
// Every figure is a physical quantity, not an EQ curve: the driver's voice
// coil (Re, Le) and Thiele/Small parameters (fs, Qms, Qes, Vas, Bl, Sd, Xmax),
// the box (volume, port tuning, leakage Q), the baffle width, the driver's
// break-up and the cabinet's resonance, the tweeter and its crossover.

#include <array>
#include <string_view>

namespace gainstage {

enum class SpeakerId { Flat, NearField, Cube, HiFi, Laptop, Phone };
inline constexpr int kSpeakerModelCount = 6;

// Flat: no model, a true bypass. FreeAir: a driver on an infinite baffle (used
// to check the amp-speaker interaction against a bare driver).
enum class SpeakerEnclosure { Flat, FreeAir, Sealed, Ported };

struct SpeakerParameters {
    std::string_view id;   // command-line and file name: "nearfield"
    std::string_view name; // what the UI shows
    SpeakerEnclosure enclosure = SpeakerEnclosure::Flat;

    // The (low-frequency) driver: voice coil and Thiele/Small parameters.
    double reOhms = 0, leMilliHenry = 0, fsHz = 0, qms = 0, qes = 0, vasLitres = 0;
    double blTm = 0, sdCm2 = 0, xmaxMm = 0; // xmaxMm 0: no excursion model

    // The box: volume, port tuning (ported only) and leakage losses QL.
    double boxLitres = 0, portHz = 0, boxQl = 7;

    double nominalOhms = 8, sensitivityDbSpl = 85; // dB SPL for 1 W (into nominal) at 1 m

    // Baffle step: the baffle width sets where radiation turns from 4 pi to 2 pi;
    // stepDb is how much of the 6 dB the room and the voicing leave.
    double baffleWidthCm = 0, baffleStepDb = 0;
    // Upper roll-off of the top driver (moving mass and voice-coil inductance).
    double topHz = 0, topQ = 0.707;
    // Cone break-up of the (main) driver, and the cabinet's own resonance: peaks.
    double breakupHz = 0, breakupQ = 1, breakupDb = 0;
    double cabinetHz = 0, cabinetQ = 1, cabinetDb = 0;
    // Two-way: Linkwitz-Riley 24 dB/oct crossover, tweeter level and its resonance.
    double crossoverHz = 0, tweeterDb = 0, tweeterFsHz = 0, tweeterQ = 0.7;

    bool mono = false; // the device has one speaker: L and R are summed
    // Output limiter of small devices: threshold (dB re the amp's full power), ratio.
    double compressorThresholdDb = 0, compressorRatio = 1;

    // The amp this speaker usually has (built-in for laptop and phone).
    double ampPowerW = 50, ampOutputOhms = 0.05;

    // The -3 dB points the model is made to have (re its 300 Hz-3 kHz mean level);
    // test_monitor_dsp measures the realised filter against them.
    double statedLowHz = 0, statedHighHz = 0;
};

// Test driver of shared/REFERENCE.md ("Power amp and speakers"): Re 6 ohm,
// Le 0.5 mH, fs 50 Hz, Qms 3, Qes 0.4, on an infinite baffle.
inline constexpr SpeakerParameters kReferenceDriver{
    .id = "reference-driver", .name = "REFERENCE.md test driver", .enclosure = SpeakerEnclosure::FreeAir,
    .reOhms = 6.0, .leMilliHenry = 0.5, .fsHz = 50.0, .qms = 3.0, .qes = 0.4, .vasLitres = 20.0,
    .nominalOhms = 8.0};

inline constexpr std::array<SpeakerParameters, kSpeakerModelCount> kSpeakerCatalog{{
    {.id = "flat", .name = "Flat (bypass)", .enclosure = SpeakerEnclosure::Flat},
    // NS10-like sealed two-way: 7" woofer in 10 L, a dome tweeter crossed at 2 kHz;
    // the woofer's break-up just below the crossover gives the upper-mid push.
    {.id = "nearfield", .name = "Two-way near-field", .enclosure = SpeakerEnclosure::Sealed,
     .reOhms = 5.6, .leMilliHenry = 0.6, .fsHz = 35.0, .qms = 3.5, .qes = 0.6, .vasLitres = 28.0,
     .blTm = 6.8, .sdCm2 = 132.0, .xmaxMm = 0.0,
     .boxLitres = 20.0, .boxQl = 7,
     .nominalOhms = 8.0, .sensitivityDbSpl = 88.0,
     .baffleWidthCm = 21.0, .baffleStepDb = 1.0,
     .topHz = 25000.0, .topQ = 0.6,
     .breakupHz = 2000.0, .breakupQ = 1.4, .breakupDb = 2.5,
     .cabinetHz = 420.0, .cabinetQ = 6.0, .cabinetDb = 1.0,
     .crossoverHz = 2000.0, .tweeterDb = 0.5, .tweeterFsHz = 900.0, .tweeterQ = 0.8,
     .ampPowerW = 100.0, .ampOutputOhms = 0.05,
     .statedLowHz = 57.0, .statedHighHz = 21000.0},
    // Auratone-like cube: one 4.5" full-range driver in a small sealed box; its
    // break-up around 1.5 kHz and a cabinet mode give the mid-range honk.
    {.id = "cube", .name = "Small cube", .enclosure = SpeakerEnclosure::Sealed,
     .reOhms = 6.4, .leMilliHenry = 0.25, .fsHz = 62.0, .qms = 3.0, .qes = 0.65, .vasLitres = 3.0,
     .blTm = 4.5, .sdCm2 = 55.0, .xmaxMm = 2.0,
     .boxLitres = 2.5, .boxQl = 7,
     .nominalOhms = 8.0, .sensitivityDbSpl = 86.0,
     .baffleWidthCm = 16.5, .baffleStepDb = 1.5,
     .topHz = 12500.0, .topQ = 0.75,
     .breakupHz = 1500.0, .breakupQ = 1.6, .breakupDb = 5.0,
     .cabinetHz = 700.0, .cabinetQ = 5.0, .cabinetDb = 1.5,
     .ampPowerW = 30.0, .ampOutputOhms = 0.1,
     .statedLowHz = 122.0, .statedHighHz = 11600.0},
    // Hi-fi floorstander: twin-woofer-equivalent 8" in a 60 L box ported at 32 Hz,
    // a tweeter set 1.5 dB hot for the gentle treble lift.
    {.id = "hifi", .name = "Hi-fi floorstander", .enclosure = SpeakerEnclosure::Ported,
     .reOhms = 5.8, .leMilliHenry = 0.9, .fsHz = 30.0, .qms = 4.0, .qes = 0.38, .vasLitres = 60.0,
     .blTm = 8.5, .sdCm2 = 220.0, .xmaxMm = 0.0,
     .boxLitres = 60.0, .portHz = 32.0, .boxQl = 7,
     .nominalOhms = 8.0, .sensitivityDbSpl = 90.0,
     .baffleWidthCm = 22.0, .baffleStepDb = 2.0,
     .topHz = 24000.0, .topQ = 0.7,
     .breakupHz = 4500.0, .breakupQ = 3.0, .breakupDb = 1.0,
     .cabinetHz = 250.0, .cabinetQ = 8.0, .cabinetDb = 0.7,
     .crossoverHz = 2500.0, .tweeterDb = 1.5, .tweeterFsHz = 800.0, .tweeterQ = 0.7,
     .ampPowerW = 120.0, .ampOutputOhms = 0.03,
     .statedLowHz = 33.0, .statedHighHz = 29000.0},
    // Laptop: a 2 cm2 micro driver in a few cm3, behind a grille; thin and resonant,
    // with little excursion to spare.
    {.id = "laptop", .name = "Laptop", .enclosure = SpeakerEnclosure::Sealed,
     .reOhms = 3.6, .leMilliHenry = 0.03, .fsHz = 245.0, .qms = 2.5, .qes = 0.9, .vasLitres = 0.012,
     .blTm = 0.9, .sdCm2 = 2.4, .xmaxMm = 0.4,
     .boxLitres = 0.012, .boxQl = 7,
     .nominalOhms = 4.0, .sensitivityDbSpl = 78.0,
     .baffleWidthCm = 30.0, .baffleStepDb = 0.0,
     .topHz = 13500.0, .topQ = 0.9,
     .breakupHz = 4200.0, .breakupQ = 3.0, .breakupDb = 4.0,
     .cabinetHz = 950.0, .cabinetQ = 4.0, .cabinetDb = 4.0,
     .ampPowerW = 2.0, .ampOutputOhms = 0.05,
     .statedLowHz = 300.0, .statedHighHz = 15100.0},
    // Phone: one 1 cm2 micro speaker, mono, behind a tiny port-less chamber, with
    // the output limiter every phone has.
    {.id = "phone", .name = "Phone", .enclosure = SpeakerEnclosure::Sealed,
     .reOhms = 7.0, .leMilliHenry = 0.02, .fsHz = 420.0, .qms = 2.0, .qes = 1.0, .vasLitres = 0.002,
     .blTm = 0.6, .sdCm2 = 1.0, .xmaxMm = 0.25,
     .boxLitres = 0.002, .boxQl = 7,
     .nominalOhms = 8.0, .sensitivityDbSpl = 80.0,
     .baffleWidthCm = 7.0, .baffleStepDb = 0.0,
     .topHz = 8000.0, .topQ = 1.0,
     .breakupHz = 3000.0, .breakupQ = 2.5, .breakupDb = 4.0,
     .cabinetHz = 1400.0, .cabinetQ = 3.0, .cabinetDb = 2.0,
     .mono = true, .compressorThresholdDb = -12.0, .compressorRatio = 4.0,
     .ampPowerW = 1.0, .ampOutputOhms = 0.1,
     .statedLowHz = 470.0, .statedHighHz = 10400.0},
}};

inline constexpr const SpeakerParameters& speakerParameters(SpeakerId id) noexcept {
    return kSpeakerCatalog[static_cast<size_t>(id)];
}

// The model with this id ("nearfield"), or nullptr.
inline const SpeakerParameters* findSpeaker(std::string_view id) noexcept {
    for (const auto& p : kSpeakerCatalog)
        if (p.id == id) return &p;
    return nullptr;
}

} // namespace gainstage
