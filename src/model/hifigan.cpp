#include "model/hifigan.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "kernels/bf16_convert.h"
#include "kernels/conv1d.h"
#include "model/weight_norm.h"

namespace speecht5 {

using kernels::Conv1d;
using kernels::ConvEpilogue;
using kernels::SignalLayout;

namespace {

// Activations stay [batch, time, channels] end to end: the mel arrives that way, the waveform
// leaves that way (one channel), and oneDNN's direct kernels are fastest on it.
constexpr SignalLayout kLayout = SignalLayout::kTimeFirst;
constexpr int kPrePostKernel = 7;  // conv_pre / conv_post (fixed in HF's SpeechT5HifiGan)
// HF applies nn.functional.leaky_relu with its default slope before conv_post, not the config's.
constexpr float kFinalLeakySlope = 0.01f;

void expect_shape(const Tensor& t, const Shape& shape, const std::string& name) {
  if (t.shape() != shape)
    fail(ErrorCode::kModel, "HiFi-GAN tensor " + name + " has shape " + shape_to_string(t.shape()) +
                                ", expected " + shape_to_string(shape));
}

Conv1d load_conv(const io::TensorStore& store, const std::string& name, int64_t out, int64_t in,
                 int64_t k, int64_t dilation, kernels::ConvPrecision precision) {
  Tensor w = load_weight(store, name);
  expect_shape(w, {out, in, k}, name + ".weight");
  Tensor b = store.get_f32(name + ".bias");
  expect_shape(b, {out}, name + ".bias");
  return Conv1d::conv(std::move(w), std::move(b), (k * dilation - dilation) / 2, dilation, kLayout,
                      precision);
}

// y = leaky_relu(x · scale, slope); the scale folds the mean over resblocks into this pass.
// Branch-free (max(v, slope·v) for 0 ≤ slope ≤ 1) so it vectorises: a data-dependent branch
// per element made this pass cost as much as a convolution.
void scaled_leaky_relu(const float* x, float* y, int64_t n, float scale, float slope) {
  const bool small_slope = slope >= 0.0f && slope <= 1.0f;
#pragma omp parallel for schedule(static) if (n > (1 << 18))
  for (int64_t block = 0; block < n; block += 4096) {
    const int64_t end = std::min(n, block + 4096);
    if (small_slope) {
      for (int64_t i = block; i < end; ++i) {
        const float v = x[i] * scale;
        y[i] = std::max(v, v * slope);
      }
    } else {
      for (int64_t i = block; i < end; ++i) {
        const float v = x[i] * scale;
        y[i] = v > 0 ? v : v * slope;
      }
    }
  }
}

void leaky_relu(const float* x, float* y, int64_t n, float slope) {
  scaled_leaky_relu(x, y, n, 1.0f, slope);
}

// The same into bf16 (the input of the bf16 resblock convolutions), one pass.
void leaky_relu_to_bf16(const float* x, uint16_t* y, int64_t n, float slope) {
#pragma omp parallel for schedule(static) if (n > (1 << 18))
  for (int64_t block = 0; block < n; block += 4096)
    kernels::leaky_relu_to_bf16(x + block, std::min<int64_t>(4096, n - block), 1.0f, slope,
                                y + block);
}

// Activation buffers, kept per thread between calls: allocating them afresh costs more in page
// faults than the element-wise passes themselves.
struct Workspace {
  std::vector<float> h, act, up, x, tmp;
  std::vector<uint16_t> act16, tmp16;  // bf16 resblocks only
  template <typename T>
  static void grow(std::vector<T>& v, size_t n) {
    if (v.size() >= n) return;
    v.clear();
    v.shrink_to_fit();
    v.resize(n);
  }
  void reserve(size_t n, bool bf16) {
    for (auto* v : {&h, &act, &up, &x, &tmp}) grow(*v, n);
    if (bf16)
      for (auto* v : {&act16, &tmp16}) grow(*v, n);
  }
  void release_if_larger_than(size_t n) {
    for (auto* v : {&h, &act, &up, &x, &tmp})
      if (v->size() > n) *v = std::vector<float>();
    for (auto* v : {&act16, &tmp16})
      if (v->size() > n) *v = std::vector<uint16_t>();
  }
};

// [batch, time, channels] → owned [batch, channels, time], for observers.
Tensor to_torch_layout(const float* x, int64_t batch, int64_t time, int64_t channels) {
  Tensor t({batch, channels, time});
  float* out = t.mutable_data();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < time; ++i)
      for (int64_t c = 0; c < channels; ++c)
        out[(b * channels + c) * time + i] = x[(b * time + i) * channels + c];
  return t;
}

std::filesystem::path find_checkpoint(const std::filesystem::path& dir) {
  for (const char* name : {"model.safetensors", "pytorch_model.bin"})
    if (std::filesystem::is_regular_file(dir / name)) return dir / name;
  fail(ErrorCode::kIo,
       "vocoder folder " + dir.string() + " has no model.safetensors or pytorch_model.bin");
}

}  // namespace

struct HifiGan::Layers {
  struct ResBlock {
    std::vector<Conv1d> convs1, convs2;
  };
  struct Stage {
    Conv1d upsampler;
    std::vector<ResBlock> resblocks;
    int64_t channels = 0;  // output channels
    int64_t rate = 0;      // upsampling factor
  };
  Conv1d conv_pre;
  std::vector<Stage> stages;
  Conv1d conv_post;
  kernels::ConvPrecision resblock_precision = kernels::ConvPrecision::kFp32;  // as they run
};

HifiGan::HifiGan(const io::TensorStore& store, HifiGanConfig config,
                 kernels::ConvPrecision precision)
    : config_(std::move(config)) {
  config_.validate();
  const int64_t mels = config_.model_in_dim;
  if (config_.normalize_before) {
    Tensor mean = store.get_f32("mean"), scale = store.get_f32("scale");
    expect_shape(mean, {mels}, "mean");
    expect_shape(scale, {mels}, "scale");
    mean_.assign(mean.data(), mean.data() + mels);
    scale_.assign(scale.data(), scale.data() + mels);
  }
  // Only the resblock convolutions follow `precision`: they are ~97% of the multiply-adds.
  // conv_pre, the upsamplers and conv_post stay float32; in bf16 they would add little speed
  // but most of the error (the full model's waveform rel-L2 vs float32: 3.1e-3 with bf16
  // resblocks only, 8.0e-3 with every convolution in bf16, 5.4e-3 of it from conv_post alone,
  // whose 224-term sums cancel heavily).
  constexpr auto kFp32 = kernels::ConvPrecision::kFp32;
  auto layers = std::make_shared<Layers>();
  int64_t channels = config_.upsample_initial_channel;
  layers->conv_pre = load_conv(store, "conv_pre", channels, mels, kPrePostKernel, 1, kFp32);
  const size_t kernels = config_.resblock_kernel_sizes.size();
  for (size_t i = 0; i < config_.upsample_rates.size(); ++i) {
    Layers::Stage stage;
    const int64_t rate = config_.upsample_rates[i], k = config_.upsample_kernel_sizes[i];
    const int64_t out = channels / 2;
    const std::string up = "upsampler." + std::to_string(i);
    Tensor w = load_weight(store, up);
    expect_shape(w, {channels, out, k}, up + ".weight");
    Tensor b = store.get_f32(up + ".bias");
    expect_shape(b, {out}, up + ".bias");
    stage.upsampler =
        Conv1d::transposed(std::move(w), std::move(b), rate, (k - rate) / 2, kLayout, kFp32);
    for (size_t j = 0; j < kernels; ++j) {
      const std::string rb = "resblocks." + std::to_string(i * kernels + j);
      const int64_t rk = config_.resblock_kernel_sizes[j];
      Layers::ResBlock block;
      const auto& dilations = config_.resblock_dilation_sizes[j];
      for (size_t d = 0; d < dilations.size(); ++d) {
        const std::string idx = std::to_string(d);
        block.convs1.push_back(
            load_conv(store, rb + ".convs1." + idx, out, out, rk, dilations[d], precision));
        block.convs2.push_back(load_conv(store, rb + ".convs2." + idx, out, out, rk, 1, precision));
        layers->resblock_precision = block.convs2.back().precision();
      }
      stage.resblocks.push_back(std::move(block));
    }
    stage.channels = out;
    stage.rate = rate;
    layers->stages.push_back(std::move(stage));
    channels = out;
  }
  layers->conv_post = load_conv(store, "conv_post", 1, channels, kPrePostKernel, 1, kFp32);
  layers_ = std::move(layers);
}

HifiGan HifiGan::load(const std::filesystem::path& dir, kernels::ConvPrecision precision) {
  if (!std::filesystem::is_directory(dir))
    fail(ErrorCode::kIo, "vocoder folder " + dir.string() + " does not exist");
  HifiGanConfig config = load_hifigan_config(dir);
  const io::TensorStore store = io::TensorStore::open(find_checkpoint(dir));
  HifiGan vocoder(store, std::move(config), precision);
  store.release_mapped_pages();
  return vocoder;
}

kernels::ConvPrecision HifiGan::precision() const { return layers_->resblock_precision; }

int64_t HifiGan::receptive_field_frames() const {
  // Radius of each layer in its own samples, divided by that layer's samples per frame.
  double radius = (kPrePostKernel - 1) / 2;
  double rate = 1;
  for (size_t i = 0; i < config_.upsample_rates.size(); ++i) {
    const int s = config_.upsample_rates[i], k = config_.upsample_kernel_sizes[i];
    const int p = (k - s) / 2;
    radius += std::ceil(static_cast<double>(std::max(k - 1 - p, p)) / s) / rate;
    rate *= s;
    int block_radius = 0;
    for (size_t j = 0; j < config_.resblock_kernel_sizes.size(); ++j) {
      const int half = (config_.resblock_kernel_sizes[j] - 1) / 2;
      int r = 0;
      for (int d : config_.resblock_dilation_sizes[j]) r += half * d + half;
      block_radius = std::max(block_radius, r);
    }
    radius += block_radius / rate;
  }
  radius += (kPrePostKernel - 1) / 2 / rate;
  return static_cast<int64_t>(std::ceil(radius));
}

void HifiGan::warm_up() const {
  // Convolutions run on fixed-size time tiles, so one frame touches every primitive there is.
  std::vector<float> mel(num_mel_bins(), 0.0f), wave(samples_per_frame());
  vocode(mel.data(), 1, 1, wave.data());
}

Tensor HifiGan::vocode(const Tensor& mel, const Observer& observer) const {
  const int64_t mels = num_mel_bins();
  if ((mel.rank() != 2 && mel.rank() != 3) || mel.dim(-1) != mels)
    fail(ErrorCode::kInvalidArgument, "vocoder input must be [frames, " + std::to_string(mels) +
                                          "] or [batch, frames, " + std::to_string(mels) +
                                          "], got " + shape_to_string(mel.shape()));
  const int64_t batch = mel.rank() == 3 ? mel.dim(0) : 1;
  const int64_t frames = mel.dim(-2);
  Tensor wave(mel.rank() == 3 ? Shape{batch, frames * samples_per_frame()}
                              : Shape{frames * samples_per_frame()});
  vocode(mel.data(), batch, frames, wave.mutable_data(), observer);
  return wave;
}

void HifiGan::vocode(const float* mel, int64_t batch, int64_t frames, float* wave,
                     const Observer& observer) const {
  if (batch <= 0 || frames <= 0) fail(ErrorCode::kInvalidArgument, "vocoder input has no frames");
  const Layers& L = *layers_;
  const int64_t mels = num_mel_bins();
  const int64_t total_samples = frames * samples_per_frame();
  const float slope = config_.leaky_relu_slope;
  auto observe = [&](const char* name, const std::vector<float>& x, int64_t time, int64_t ch) {
    if (observer) observer(name, to_torch_layout(x.data(), batch, time, ch));
  };

  std::vector<float> input(mel, mel + batch * frames * mels);
  if (config_.normalize_before) {
    for (int64_t r = 0; r < batch * frames; ++r)
      for (int64_t m = 0; m < mels; ++m) {
        float& v = input[r * mels + m];
        v = (v - mean_[m]) / scale_[m];
      }
  }
  // Buffers sized for the largest stage, reused by every stage.
  int64_t largest = config_.upsample_initial_channel * frames;
  {
    int64_t time = frames;
    for (const auto& stage : L.stages) {
      time *= stage.rate;
      largest = std::max(largest, time * stage.channels);
    }
  }
  largest *= batch;
  const bool bf16 = L.resblock_precision == kernels::ConvPrecision::kBf16;
  thread_local Workspace ws;
  ws.reserve(largest, bf16);
  auto& h = ws.h;
  auto& act = ws.act;
  auto& up = ws.up;
  auto& x = ws.x;
  auto& tmp = ws.tmp;

  int64_t time = frames;
  int64_t channels = config_.upsample_initial_channel;
  L.conv_pre.forward(input.data(), batch, time, h.data());
  observe("conv_pre_out", h, time, channels);
  float h_scale = 1.0f;  // h holds h_scale⁻¹ × the stage output (the resblock sum)
  for (size_t i = 0; i < L.stages.size(); ++i) {
    const auto& stage = L.stages[i];
    scaled_leaky_relu(h.data(), act.data(), batch * time * channels, h_scale, slope);
    if (observer) observe(("upsampler" + std::to_string(i) + "_in").c_str(), act, time, channels);
    stage.upsampler.forward(act.data(), batch, time, up.data());
    time *= stage.rate;
    channels = stage.channels;
    const int64_t n = batch * time * channels;
    if (observer) observe(("upsampler" + std::to_string(i) + "_out").c_str(), up, time, channels);

    // h = mean over resblocks of resblock(up); each resblock updates its copy x in place.
    for (size_t j = 0; j < stage.resblocks.size(); ++j) {
      const auto& block = stage.resblocks[j];
      float* xj = j == 0 ? h.data() : x.data();
      std::memcpy(xj, up.data(), sizeof(float) * n);
      for (size_t d = 0; d < block.convs1.size(); ++d) {
        if (bf16) {
          // bf16 between the two convolutions too: no float32 round trip, half the traffic.
          leaky_relu_to_bf16(xj, ws.act16.data(), n, slope);
          block.convs1[d].forward(ws.act16.data(), batch, time, ws.tmp16.data(),
                                  ConvEpilogue::leaky_relu(slope));
          block.convs2[d].forward(ws.tmp16.data(), batch, time, xj, ConvEpilogue::residual());
          continue;
        }
        leaky_relu(xj, act.data(), n, slope);
        block.convs1[d].forward(act.data(), batch, time, tmp.data(),
                                ConvEpilogue::leaky_relu(slope));
        block.convs2[d].forward(tmp.data(), batch, time, xj, ConvEpilogue::residual());
      }
      if (j > 0) {
        float* acc = h.data();
        const float* xs = x.data();
#pragma omp parallel for schedule(static) if (n > (1 << 18))
        for (int64_t e = 0; e < n; ++e) acc[e] += xs[e];
      }
    }
    h_scale = 1.0f / static_cast<float>(stage.resblocks.size());
  }
  scaled_leaky_relu(h.data(), act.data(), batch * time * channels, h_scale, kFinalLeakySlope);
  observe("conv_post_in", act, time, channels);
  L.conv_post.forward(act.data(), batch, time, wave);
  if (observer) {
    std::vector<float> post(wave, wave + batch * total_samples);
    observe("conv_post_out", post, time, 1);
  }
  for (int64_t e = 0; e < batch * total_samples; ++e) wave[e] = std::tanh(wave[e]);
  ws.release_if_larger_than(size_t{64} << 20);  // don't hold on to a long utterance's 256 MB+
}

HifiGanStream::HifiGanStream(const HifiGan& vocoder, int64_t min_chunk_frames)
    : vocoder_(vocoder),
      mels_(vocoder.num_mel_bins()),
      context_(vocoder.receptive_field_frames()),
      min_chunk_(std::max<int64_t>(1, min_chunk_frames)) {}

std::vector<float> HifiGanStream::push(const float* frames, int64_t count) {
  if (count < 0) fail(ErrorCode::kInvalidArgument, "HifiGanStream::push: negative frame count");
  mel_.insert(mel_.end(), frames, frames + count * mels_);
  total_frames_ += count;
  const int64_t final_end = total_frames_ - context_;
  if (final_end - emitted_frames_ < min_chunk_) return {};
  return emit(final_end, false);
}

std::vector<float> HifiGanStream::finish() { return emit(total_frames_, true); }

std::vector<float> HifiGanStream::emit(int64_t end_frame, bool last) {
  if (end_frame <= emitted_frames_) return {};
  const int64_t lo = std::max(first_frame_, emitted_frames_ - context_);
  const int64_t hi = last ? total_frames_ : std::min(total_frames_, end_frame + context_);
  const int64_t spf = vocoder_.samples_per_frame();
  std::vector<float> wave((hi - lo) * spf);
  vocoder_.vocode(mel_.data() + (lo - first_frame_) * mels_, 1, hi - lo, wave.data());
  std::vector<float> out(wave.begin() + (emitted_frames_ - lo) * spf,
                         wave.begin() + (end_frame - lo) * spf);
  emitted_frames_ = end_frame;
  // Keep only the left context the next chunk needs.
  const int64_t keep_from = std::max(first_frame_, emitted_frames_ - context_);
  mel_.erase(mel_.begin(), mel_.begin() + (keep_from - first_frame_) * mels_);
  first_frame_ = keep_from;
  return out;
}

}  // namespace speecht5
