#pragma once
// Where a decoder step's time goes: the leading team member's wall time between the barriers of
// a step, by phase, summed over the layers and the steps recorded (DecoderState::record_phases).
// The products are the phases to hold against their compute or memory floor; the attention
// phases are bound by reading the caches; the norms by the barriers around them
// (docs/PERFORMANCE.md). Recording costs a clock read per barrier; not recording, a branch.
#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace speecht5 {

enum class DecoderPhase {
  kPrenet,           // prenet, and its output converted for the first product
  kSelfProjections,  // q, k, v products; k and v appended to the caches
  kSelfAttention,    // one query per head over the self-attention caches
  kSelfOut,          // output product
  kSelfNorm,         // residual + LayerNorm
  kCrossQuery,       // q product
  kCrossAttention,   // one query per head over the encoder's keys and values
  kCrossOut,         // output product
  kCrossNorm,        // residual + LayerNorm
  kFfnIn,            // intermediate product + GELU
  kFfnOut,           // output product
  kFfnNorm,          // residual + LayerNorm
  kOutput,           // feat_out and prob_out
};
inline constexpr int kDecoderPhases = static_cast<int>(DecoderPhase::kOutput) + 1;

// "self_attention" etc.: the keys of `speecht5 bench --json`'s decoder_phase_ms_per_step.
std::string_view decoder_phase_name(DecoderPhase phase);

struct DecoderPhaseTimes {
  std::array<double, kDecoderPhases> ms{};  // summed over layers and steps
  int64_t steps = 0;                        // steps recorded

  double total_ms() const;
};

// The marks of one step, made by one thread at a time (the caller, then the team's leader,
// then the caller again: each hands over through the team's start or join).
class PhaseClock {
 public:
  explicit PhaseClock(DecoderPhaseTimes* times) : times_(times) {
    if (times_ != nullptr) last_ = Clock::now();
  }
  // The time since the previous mark goes to `phase`.
  void mark(DecoderPhase phase) {
    if (times_ == nullptr) return;
    const Clock::time_point now = Clock::now();
    times_->ms[static_cast<int>(phase)] +=
        std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
  }
  bool recording() const { return times_ != nullptr; }

 private:
  using Clock = std::chrono::steady_clock;
  DecoderPhaseTimes* times_;
  Clock::time_point last_{};
};

}  // namespace speecht5
