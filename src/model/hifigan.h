#pragma once
// SpeechT5HifiGan: mel spectrogram [frames, 80] → waveform [frames · 256] at 16 kHz, exactly
// as Hugging Face computes it (normalize_before, leaky-ReLU 0.1 inside, 0.01 before conv_post).
//
// Streaming: every output sample depends on a bounded window of mel frames
// (receptive_field_frames() on each side), so a long mel can be vocoded in chunks that carry
// that much context and give the same samples as one call; HifiGanStream does the bookkeeping.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/tensor_store.h"
#include "kernels/conv1d.h"
#include "model/config.h"

namespace speecht5 {

class HifiGan {
 public:
  // Called with named intermediates in PyTorch layout [batch, channels, time]: conv_pre_out,
  // upsampler{i}_in, upsampler{i}_out, conv_post_in, conv_post_out. For tests and debugging.
  using Observer = std::function<void(const std::string& name, const Tensor& value)>;

  // kBf16: the resblock convolutions (nearly all the work) in bf16, the rest in float32 (see
  // kernels::Conv1d; all float32 where the CPU has no native bf16 convolution). Waveform rel-L2
  // vs float32 ≈ 3e-3 (docs/PERFORMANCE.md).
  HifiGan(const io::TensorStore& store, HifiGanConfig config,
          kernels::ConvPrecision precision = kernels::ConvPrecision::kFp32);
  // A folder with config.json and model.safetensors (or pytorch_model.bin).
  static HifiGan load(const std::filesystem::path& dir,
                      kernels::ConvPrecision precision = kernels::ConvPrecision::kFp32);

  const HifiGanConfig& config() const { return config_; }
  // What the resblock convolutions run in (kFp32 when bf16 was asked for but is unsupported).
  kernels::ConvPrecision precision() const;
  int64_t samples_per_frame() const { return config_.samples_per_frame(); }
  int64_t num_mel_bins() const { return config_.model_in_dim; }
  // Mel frames of context needed on each side of a chunk for its samples to be exact.
  int64_t receptive_field_frames() const;

  // Creates every convolution primitive now (JIT, a few hundred ms for the full model) instead of
  // on the first vocode(); e.g. on a spare thread while the decoder runs.
  void warm_up() const;

  // mel [frames, mels] → [frames · spf]; [batch, frames, mels] → [batch, frames · spf].
  Tensor vocode(const Tensor& mel, const Observer& observer = nullptr) const;
  // mel: batch × frames × mels rows; wave: batch × frames · spf samples.
  void vocode(const float* mel, int64_t batch, int64_t frames, float* wave,
              const Observer& observer = nullptr) const;

 private:
  struct Layers;
  HifiGanConfig config_;
  std::vector<float> mean_, scale_;
  std::shared_ptr<const Layers> layers_;
};

// Incremental vocoding of a mel that arrives frame by frame (e.g. while the decoder runs):
// push() returns the samples that are already final; finish() returns the rest. The
// concatenation equals vocode() on the whole mel up to float rounding.
class HifiGanStream {
 public:
  // min_chunk_frames: frames to collect before running the vocoder on a chunk (larger chunks
  // waste less compute on context, smaller ones lower the latency).
  explicit HifiGanStream(const HifiGan& vocoder, int64_t min_chunk_frames = 32);

  std::vector<float> push(const float* frames, int64_t count);  // count rows of num_mel_bins
  std::vector<float> finish();
  int64_t frames_received() const { return total_frames_; }

 private:
  std::vector<float> emit(int64_t end_frame, bool last);

  const HifiGan& vocoder_;
  int64_t mels_, context_, min_chunk_;
  std::vector<float> mel_;    // frames from first_frame_ on (older ones are no longer needed)
  int64_t first_frame_ = 0;   // index of mel_'s first row in the whole utterance
  int64_t total_frames_ = 0;  // frames received so far
  int64_t emitted_frames_ = 0;
};

}  // namespace speecht5
