#pragma once
// Flush-to-zero / denormals-are-zero for the current thread while in scope.
// Every process() that runs recursive filters opens one of these, so a decaying
// tail can never fall into the slow subnormal range. [audio thread]

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace gainstage {

class ScopedNoDenormals {
public:
    ScopedNoDenormals() noexcept {
#if defined(__SSE__) || defined(__x86_64__)
        saved_ = _mm_getcsr();
        _mm_setcsr(saved_ | 0x8040u); // FTZ (bit 15) | DAZ (bit 6)
#elif defined(__aarch64__)
        unsigned long fpcr;
        asm volatile("mrs %0, fpcr" : "=r"(fpcr));
        saved_ = fpcr;
        asm volatile("msr fpcr, %0" : : "r"(fpcr | (1ul << 24)));
#endif
    }
    ~ScopedNoDenormals() {
#if defined(__SSE__) || defined(__x86_64__)
        _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
        asm volatile("msr fpcr, %0" : : "r"(saved_));
#endif
    }
    ScopedNoDenormals(const ScopedNoDenormals&) = delete;
    ScopedNoDenormals& operator=(const ScopedNoDenormals&) = delete;

private:
    unsigned long saved_ = 0;
};

} // namespace gainstage
