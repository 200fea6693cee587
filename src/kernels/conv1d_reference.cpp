#include "kernels/conv1d_reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/packed_weights.h"

namespace speecht5::kernels {
namespace {

// Copies between the two layouts of one [batch, channels, time] signal.
void to_channels_first(const float* x, int64_t batch, int64_t channels, int64_t time, float* out) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < time; ++t)
      for (int64_t c = 0; c < channels; ++c)
        out[(b * channels + c) * time + t] = x[(b * time + t) * channels + c];
}

void to_time_first(const float* x, int64_t batch, int64_t channels, int64_t time, float* out) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t t = 0; t < time; ++t)
        out[(b * time + t) * channels + c] = x[(b * channels + c) * time + t];
}

}  // namespace

void conv1d_reference(const ReferenceConv& m, const float* weight, const float* bias,
                      const float* x, int64_t batch, int64_t time, float* y,
                      const ConvEpilogue& epilogue) {
  const int64_t tout = m.transposed ? (time - 1) * m.stride - 2 * m.padding + m.k
                                    : time + 2 * m.padding - m.dilation * (m.k - 1);
  const bool time_first = m.time_first;
  const int64_t weight_size = m.in * m.out * m.k;
  // Work in channels-first so the innermost loop runs over contiguous time.
  std::vector<float> xin, yout(batch * m.out * tout);
  const float* xc = x;
  if (time_first) {
    xin.resize(batch * m.in * time);
    to_channels_first(x, batch, m.in, time, xin.data());
    xc = xin.data();
  }
  const float* w = weight;
  std::vector<float> w_rounded;
  if (m.bf16) {
    // Products of bf16 values are exact in float32, so this differs from the oneDNN kernel only
    // in the order of the float32 sums.
    auto round = [](float v) { return bf16_to_float(float_to_bf16(v)); };
    if (xin.empty()) xin.assign(x, x + batch * m.in * time);
    for (float& v : xin) v = round(v);
    xc = xin.data();
    w_rounded.resize(weight_size);
    for (int64_t j = 0; j < weight_size; ++j) w_rounded[j] = round(w[j]);
    w = w_rounded.data();
  }
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t o = 0; o < m.out; ++o) {
      float* row = yout.data() + (b * m.out + o) * tout;
      std::fill(row, row + tout, bias == nullptr ? 0.0f : bias[o]);
      for (int64_t i = 0; i < m.in; ++i) {
        const float* xr = xc + (b * m.in + i) * time;
        for (int64_t kk = 0; kk < m.k; ++kk) {
          if (m.transposed) {
            // Input sample t lands on output t·stride − padding + kk.
            const float wv = w[(i * m.out + o) * m.k + kk];
            for (int64_t t = 0; t < time; ++t) {
              const int64_t to = t * m.stride - m.padding + kk;
              if (to >= 0 && to < tout) row[to] += wv * xr[t];
            }
          } else {
            // Output sample t reads input t − padding + kk·dilation.
            const float wv = w[(o * m.in + i) * m.k + kk];
            const int64_t shift = kk * m.dilation - m.padding;
            const int64_t t0 = std::max<int64_t>(0, -shift);
            const int64_t t1 = std::min<int64_t>(tout, time - shift);
            for (int64_t t = t0; t < t1; ++t) row[t] += wv * xr[t + shift];
          }
        }
      }
    }
  }
  const int64_t n = batch * m.out * tout;
  if (time_first) {
    std::vector<float> tmp(n);
    to_time_first(yout.data(), batch, m.out, tout, tmp.data());
    yout.swap(tmp);
  }
  for (int64_t j = 0; j < n; ++j) {
    float v = yout[j];
    if (epilogue.accumulate) v += y[j];
    if (epilogue.leaky_slope && v < 0) v *= *epilogue.leaky_slope;
    if (epilogue.tanh) v = std::tanh(v);
    y[j] = v;
  }
}

}  // namespace speecht5::kernels
