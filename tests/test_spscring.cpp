// SpscRing: capacity rounding, wrap-around of both indices, all-or-nothing
// writes, partial reads, discard, and a two-thread stress run that moves a
// counting sequence through a small ring in random chunk sizes and checks
// every item (none dropped, repeated or changed).
#include <QtTest>

#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "core/SpscRing.h"

using namespace gainstage;

class TestSpscRing : public QObject {
    Q_OBJECT

private slots:
    void capacityIsAPowerOfTwo() {
        QCOMPARE(SpscRing<float>(1).capacity(), size_t(2));
        QCOMPARE(SpscRing<float>(5).capacity(), size_t(8));
        QCOMPARE(SpscRing<float>(8).capacity(), size_t(8));
        QCOMPARE(SpscRing<float>(240000).capacity(), size_t(262144));
    }

    void wrapAround() {
        SpscRing<int> ring(8);
        int next = 0, expect = 0, checked = 0;
        // Chunks of 3 and 5 walk the indices round the 8 slots many times.
        for (int round = 0; round < 1000; ++round) {
            const int n = round % 2 ? 3 : 5;
            std::vector<int> in(static_cast<size_t>(n));
            for (int& x : in) x = next++;
            QVERIFY(ring.tryWrite(in.data(), in.size()));
            std::vector<int> out(static_cast<size_t>(n));
            QCOMPARE(ring.tryRead(out.data(), out.size()), size_t(n));
            for (int x : out) {
                QCOMPARE(x, expect++);
                ++checked;
            }
            QCOMPARE(ring.readAvailable(), size_t(0));
        }
        qInfo("%d items through an 8-slot ring in chunks of 3 and 5, all in order", checked);
    }

    void allOrNothingWrites() {
        SpscRing<int> ring(8);
        const int six[6] = {1, 2, 3, 4, 5, 6};
        QVERIFY(ring.tryWrite(six, 6));
        QCOMPARE(ring.writeSpace(), size_t(2));
        QVERIFY(!ring.tryWrite(six, 3)); // does not fit: nothing is written
        QCOMPARE(ring.readAvailable(), size_t(6));
        QVERIFY(ring.tryWrite(six, 2)); // exactly fills
        QCOMPARE(ring.writeSpace(), size_t(0));
        QVERIFY(!ring.tryWrite(six, 1));
        int out[8] = {};
        QCOMPARE(ring.tryRead(out, 4), size_t(4)); // partial read
        QCOMPARE(out[3], 4);
        QCOMPARE(ring.discard(3), size_t(3));
        QCOMPARE(ring.tryRead(out, 8), size_t(1)); // only what is there
        QCOMPARE(out[0], 2);
        QCOMPARE(ring.discard(5), size_t(0));
        QCOMPARE(ring.tryRead(out, 8), size_t(0));
    }

    void twoThreadStress() {
        constexpr uint32_t kItems = 20'000'000;
        SpscRing<uint32_t> ring(1024);
        uint64_t fullWrites = 0;
        std::thread producer([&] {
            std::mt19937 rng(1);
            std::vector<uint32_t> chunk(300);
            uint32_t next = 0;
            while (next < kItems) {
                const uint32_t n = std::min<uint32_t>(1 + rng() % 300, kItems - next);
                for (uint32_t i = 0; i < n; ++i) chunk[i] = next + i;
                while (!ring.tryWrite(chunk.data(), n)) ++fullWrites; // spin: the consumer is fast
                next += n;
            }
        });
        std::mt19937 rng(2);
        std::vector<uint32_t> out(500);
        uint32_t expect = 0, mismatches = 0;
        while (expect < kItems) {
            const size_t got = ring.tryRead(out.data(), 1 + rng() % 500);
            for (size_t i = 0; i < got; ++i) mismatches += out[i] != expect++;
        }
        producer.join();
        qInfo("%u items through a 1024-slot ring between two threads: %u wrong; %llu writes found the ring full", kItems,
              mismatches, (unsigned long long)fullWrites);
        QCOMPARE(mismatches, 0u);
        QCOMPARE(ring.readAvailable(), size_t(0));
    }
};

QTEST_GUILESS_MAIN(TestSpscRing)
#include "test_spscring.moc"
