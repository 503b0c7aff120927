// Low Cut measured with sines: the -3 dB point of every setting at every
// supported sample rate, the 18 dB/oct slope, the flat passband, the whole
// curve against the analogue 3rd-order Butterworth, and Off as an exact bypass.
#include <QtTest>

#include <cmath>
#include <vector>

#include "TestSignals.h"
#include "dsp/LowCut.h"

using namespace gainstage;
using namespace gainstage::test;

namespace {

const double kRates[] = {44100.0, 48000.0, 88200.0, 96000.0, 192000.0};
const LowCut kSettings[] = {LowCut::Hz50, LowCut::Hz80, LowCut::Hz160, LowCut::Hz300};

// |H| of the analogue 3rd-order Butterworth high-pass, in dB.
double butterworthDb(double f, double fc) {
    const double w6 = std::pow(f / fc, 6.0);
    return 10.0 * std::log10(w6 / (1.0 + w6));
}

double measure(double rate, LowCut setting, double f) {
    LowCutFilter filter;
    filter.prepare(rate, 512, 1);
    filter.setLowCut(setting);
    filter.reset();
    // Settle for long enough that the slowest transient (50 Hz at 6 Hz) is gone.
    return measureGainDb(filter, f, rate, 0.01, 1.0);
}

} // namespace

class TestLowCut : public QObject {
    Q_OBJECT

private slots:
    void minusThreeDbAtTheNominalFrequency() {
        double worst = 0.0;
        for (double rate : kRates)
            for (LowCut setting : kSettings) {
                const double fc = lowCutHz(setting);
                const double gain = measure(rate, setting, fc);
                const double error = gain - butterworthDb(fc, fc);
                worst = std::max(worst, std::fabs(error));
                qInfo("Low Cut %3.0f Hz at %6.0f Hz: %.4f dB at fc (error %+.2e dB)", fc, rate, gain, error);
                QVERIFY2(std::fabs(error) < 0.1, qPrintable(QStringLiteral("%1 Hz at %2: %3 dB").arg(fc).arg(rate).arg(gain)));
            }
        qInfo("worst -3 dB point error: %.2e dB", worst);
    }

    void slopeIsEighteenDbPerOctave() {
        for (double rate : {44100.0, 48000.0, 96000.0, 192000.0})
            for (LowCut setting : kSettings) {
                const double fc = lowCutHz(setting);
                const double quarter = measure(rate, setting, fc / 4.0);
                const double eighth = measure(rate, setting, fc / 8.0);
                const double slope = quarter - eighth;
                qInfo("Low Cut %3.0f Hz at %6.0f Hz: %.2f dB at fc/4, %.2f dB at fc/8: %.3f dB/oct", fc, rate, quarter, eighth, slope);
                QVERIFY(std::fabs(slope - 18.0) < 0.5);
                QVERIFY(std::fabs(quarter - butterworthDb(fc / 4.0, fc)) < 0.1);
            }
    }

    void passbandIsFlatAtOneKilohertz() {
        for (double rate : kRates)
            for (LowCut setting : kSettings) {
                const double gain = measure(rate, setting, 1000.0);
                QVERIFY2(std::fabs(gain - butterworthDb(1000.0, lowCutHz(setting))) < 0.01, qPrintable(QString::number(gain)));
                QVERIFY(std::fabs(gain) < 0.05);
            }
        qInfo("1 kHz through Low Cut 300 Hz at 48 kHz: %.4f dB", measure(48000.0, LowCut::Hz300, 1000.0));
    }

    // The digital curve follows the analogue one wherever it matters.
    void followsTheAnalogueCurve() {
        double worst = 0.0;
        for (double rate : {44100.0, 48000.0, 192000.0})
            for (LowCut setting : kSettings) {
                const double fc = lowCutHz(setting);
                for (double ratio = 0.25; ratio <= 8.0; ratio *= std::sqrt(2.0)) {
                    const double error = measure(rate, setting, fc * ratio) - butterworthDb(fc * ratio, fc);
                    worst = std::max(worst, std::fabs(error));
                    QVERIFY2(std::fabs(error) < 0.1, qPrintable(QStringLiteral("%1 Hz at %2 x fc, %3 Hz: %4 dB").arg(fc).arg(ratio).arg(rate).arg(error)));
                }
            }
        qInfo("worst deviation from the analogue Butterworth, fc/4..8 fc: %.4f dB", worst);
    }

    void offIsAnExactBypass() {
        LowCutFilter filter;
        filter.prepare(48000.0, 256, 1);
        const auto input = whiteNoise(48000, 0.1, 7);
        auto output = processMono(filter, input, 256);
        QVERIFY(output == input);

        // On, then Off again: once the fade is over the input passes untouched.
        filter.setLowCut(LowCut::Hz160);
        processMono(filter, whiteNoise(4800, 0.1, 8), 256);
        filter.setLowCut(LowCut::Off);
        processMono(filter, whiteNoise(4800, 0.1, 9), 256); // 100 ms > the 50 ms fade
        output = processMono(filter, input, 256);
        QVERIFY(output == input);
    }

    // A new cutoff glides: after the glide the response is that of the new setting.
    void aNewSettingLandsOnItsOwnCurve() {
        LowCutFilter filter;
        filter.prepare(48000.0, 256, 1);
        filter.setLowCut(LowCut::Hz50);
        filter.reset();
        auto tone = sine(300.0, 48000.0, 48000, 0.1);
        filter.setLowCut(LowCut::Hz300);
        const auto out = processMono(filter, tone, 256);
        const double gain = rmsDb(out.data() + 24000, 24000 - 160) - rmsDb(tone.data() + 24000, 24000 - 160);
        qInfo("300 Hz after gliding 50 -> 300 Hz: %.3f dB", gain);
        QVERIFY(std::fabs(gain - butterworthDb(300.0, 300.0)) < 0.05);
    }
};

QTEST_GUILESS_MAIN(TestLowCut)
#include "test_lowcut.moc"
