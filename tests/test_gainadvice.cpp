// "Which knob to turn" (issue 5): each rule on constructed levels and
// snapshots, and through real Meters fed with a raw signal and the same
// signal after a gain, as a track's two meters are.
#include <QtTest>

#include <cmath>
#include <limits>

#include "TestSignals.h"
#include "core/GainAdvice.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

MeterSnapshot snapshotAt(float peakDb) {
    MeterSnapshot s{};
    const float silence = -std::numeric_limits<float>::infinity();
    s.samplePeakDb = s.truePeakDb = s.peakBarDb = s.peakHoldDb = s.truePeakHoldDb = peakDb;
    s.rmsDb = s.momentaryLufs = s.shortTermLufs = s.integratedLufs = silence;
    return s;
}

std::vector<GainAdviceKind> kinds(const std::vector<GainAdvice>& advice) {
    std::vector<GainAdviceKind> k;
    for (const auto& a : advice) k.push_back(a.kind);
    return k;
}

} // namespace

class TestGainAdvice : public QObject {
    Q_OBJECT

private slots:
    void interfaceClipping();
    void interfaceTooLowForTheVirtualGain();
    void raiseGain();
    void lowerGain();
    void inTheWindowSaysNothing();
    void holdsPeaksSoItDoesNotFlicker();
    void throughRealMeters();
};

void TestGainAdvice::interfaceClipping() {
    GainAdviceLevels l;
    l.rawSamplePeakDb = l.rawPeakDb = -0.05f;
    l.trackPeakDb = 3.0f;
    const auto advice = adviseGain(l);
    QCOMPARE(advice.size(), size_t(1)); // nothing after the converter can fix it, so nothing else is said
    QCOMPARE(advice[0].kind, GainAdviceKind::InterfaceClipping);
    QCOMPARE(advice[0].text, QStringLiteral("Interface input is clipping: turn its gain down."));
    l.rawSamplePeakDb = l.rawPeakDb = -0.2f;
    QVERIFY(adviseGain(l).empty() || adviseGain(l)[0].kind != GainAdviceKind::InterfaceClipping);
}

void TestGainAdvice::interfaceTooLowForTheVirtualGain() {
    GainAdviceLevels l;
    l.rawSamplePeakDb = l.rawPeakDb = -45.0f;
    l.virtualGainDb = 30.0f;
    l.trackPeakDb = -15.0f;
    auto advice = adviseGain(l);
    QCOMPARE(kinds(advice), (std::vector{GainAdviceKind::InterfaceGainUp, GainAdviceKind::RaiseGain}));
    QCOMPARE(advice[0].text, QStringLiteral("Turn the interface's gain up and the virtual gain down: virtual gain raises the noise too."));
    l.virtualGainDb = 20.0f; // not above +20 dB
    QCOMPARE(kinds(adviseGain(l)), std::vector{GainAdviceKind::RaiseGain});
    l.virtualGainDb = 30.0f;
    l.rawPeakDb = -39.0f; // not below -40 dBFS
    QCOMPARE(kinds(adviseGain(l)), std::vector{GainAdviceKind::RaiseGain});
}

void TestGainAdvice::raiseGain() {
    GainAdviceLevels l;
    l.rawSamplePeakDb = l.rawPeakDb = -20.0f;
    l.trackPeakDb = -14.2f;
    const auto advice = adviseGain(l);
    QCOMPARE(advice.size(), size_t(1));
    QCOMPARE(advice[0].kind, GainAdviceKind::RaiseGain);
    QCOMPARE(advice[0].db, 11.0f); // to -3 dBFS, the window's middle, in half-dB steps
    QCOMPARE(advice[0].text, QStringLiteral("Raise Gain by about 11.0 dB."));
    l.window = {-12.0f, -2.0f};
    QCOMPARE(adviseGain(l)[0].db, 7.0f);
}

void TestGainAdvice::lowerGain() {
    GainAdviceLevels l;
    l.rawSamplePeakDb = l.rawPeakDb = -10.0f;
    l.trackPeakDb = 1.6f;
    const auto advice = adviseGain(l);
    QCOMPARE(advice.size(), size_t(1));
    QCOMPARE(advice[0].kind, GainAdviceKind::LowerGain);
    QCOMPARE(advice[0].db, 4.5f);
    QCOMPARE(advice[0].text, QStringLiteral("Lower Gain by about 4.5 dB."));
}

void TestGainAdvice::inTheWindowSaysNothing() {
    GainAdviceLevels l;
    l.rawSamplePeakDb = l.rawPeakDb = -12.0f;
    for (float peak : {-5.9f, -3.0f, -0.1f, 0.0f}) {
        l.trackPeakDb = peak;
        QVERIFY(adviseGain(l).empty());
    }
    l.rawSamplePeakDb = l.rawPeakDb = -80.0f; // silence: the user is not playing
    l.trackPeakDb = -60.0f;
    l.virtualGainDb = 40.0f;
    QVERIFY(adviseGain(l).empty());
}

void TestGainAdvice::holdsPeaksSoItDoesNotFlicker() {
    // A singer: a loud phrase, then quiet syllables polled at 30 Hz. The advice
    // stays "in the window" for the hold, instead of jumping to "raise".
    GainAdvisor advisor;
    int flips = 0;
    bool lastEmpty = true;
    for (int i = 0; i < 60; ++i) { // 2 s
        const float trackPeak = (i % 10 == 0) ? -2.0f : -20.0f;
        const auto advice = advisor.update(snapshotAt(trackPeak - 25.0f), snapshotAt(trackPeak), 25.0f, i / 30.0);
        flips += advice.empty() != lastEmpty;
        lastEmpty = advice.empty();
    }
    QCOMPARE(flips, 0);
    // After the hold with only quiet syllables, it asks for more Gain.
    std::vector<GainAdvice> advice;
    for (int i = 60; i < 60 + 4 * 30; ++i) advice = advisor.update(snapshotAt(-45.0f), snapshotAt(-20.0f), 25.0f, i / 30.0);
    QCOMPARE(kinds(advice), (std::vector{GainAdviceKind::InterfaceGainUp, GainAdviceKind::RaiseGain}));
    QCOMPARE(advice[1].db, 17.0f);
}

void TestGainAdvice::throughRealMeters() {
    // Raw: a 1 kHz tone at -46 dBFS; Gain +30 dB (as a preamp would) gives -16 dBFS on the track meter.
    constexpr double kRate = 48000.0;
    Meter raw, track;
    raw.prepare(kRate, 512, 1);
    track.prepare(kRate, 512, 1);
    GainAdvisor advisor;
    std::vector<GainAdvice> advice;
    const auto tone = sine(1000.0, kRate, int(kRate), std::pow(10.0, -46.0 / 20.0));
    for (int start = 0; start + 512 <= int(tone.size()); start += 512) {
        std::vector<float> block(tone.begin() + start, tone.begin() + start + 512);
        raw.measure(block.data(), 512);
        for (float& v : block) v *= std::pow(10.0f, 30.0f / 20.0f);
        track.measure(block.data(), 512);
        advice = advisor.update(raw.currentSnapshot(), track.currentSnapshot(), 30.0f, start / kRate);
    }
    qInfo("held: raw %.2f dBFS, track %.2f dBTP -> %d pieces of advice", advisor.heldLevels().rawPeakDb, advisor.heldLevels().trackPeakDb,
          int(advice.size()));
    for (const auto& a : advice) qInfo("  %s %.1f dB: %s", gainAdviceKindName(a.kind), a.db, qPrintable(a.text));
    QCOMPARE(kinds(advice), (std::vector{GainAdviceKind::InterfaceGainUp, GainAdviceKind::RaiseGain}));
    QCOMPARE(advice[1].db, 13.0f);

    // The same tone at -0.05 dBFS raw: clipping at the interface.
    const auto hot = sine(1000.0, kRate, 4800, std::pow(10.0, -0.05 / 20.0), std::numbers::pi / 2);
    raw.measure(hot.data(), 4800);
    advice = advisor.update(raw.currentSnapshot(), track.currentSnapshot(), 30.0f, 1.1);
    QCOMPARE(kinds(advice), std::vector{GainAdviceKind::InterfaceClipping});
}

QTEST_GUILESS_MAIN(TestGainAdvice)
#include "test_gainadvice.moc"
