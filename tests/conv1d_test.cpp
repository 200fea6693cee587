#include "kernels/conv1d.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "support/fixtures.h"

namespace speecht5::kernels {
namespace {

using L = SignalLayout;

Tensor values(Shape shape, std::vector<float> v) {
  return Tensor::from_values(std::move(shape), v);
}

std::vector<float> run(const Conv1d& conv, const std::vector<float>& x, int64_t batch, int64_t time,
                       bool reference, const ConvEpilogue& epilogue = {},
                       std::vector<float> y_init = {}) {
  std::vector<float> y = y_init;
  y.resize(batch * conv.out_channels() * conv.output_length(time));
  if (reference)
    conv.forward_reference(x.data(), batch, time, y.data(), epilogue);
  else
    conv.forward(x.data(), batch, time, y.data(), epilogue);
  return y;
}

// Hand-computed single-channel cases (layouts coincide for one channel); exact in float.
TEST(Conv1dTest, PaddedConvWithBias) {
  for (auto layout : {L::kChannelsFirst, L::kTimeFirst}) {
    auto conv = Conv1d::conv(values({1, 1, 3}, {1, 2, 3}), values({1}, {0.5f}), 1, 1, layout);
    ASSERT_EQ(conv.output_length(4), 4);
    const std::vector<float> expected{8.5f, 14.5f, 20.5f, 11.5f};
    for (bool ref : {false, true}) EXPECT_EQ(run(conv, {1, 2, 3, 4}, 1, 4, ref), expected);
  }
}

TEST(Conv1dTest, DilatedConvWithoutBias) {
  auto conv = Conv1d::conv(values({1, 1, 3}, {1, 2, 3}), Tensor(), 2, 2, L::kTimeFirst);
  const std::vector<float> expected{11, 16, 22, 10, 13};
  for (bool ref : {false, true}) EXPECT_EQ(run(conv, {1, 2, 3, 4, 5}, 1, 5, ref), expected);
}

TEST(Conv1dTest, TransposedConvStridePadding) {
  for (auto layout : {L::kChannelsFirst, L::kTimeFirst}) {
    auto conv = Conv1d::transposed(values({1, 1, 3}, {1, 10, 100}), values({1}, {1}), 2, 1, layout);
    ASSERT_EQ(conv.output_length(3), 5);  // (3-1)·2 − 2·1 + 3
    const std::vector<float> expected{11, 103, 21, 204, 31};
    for (bool ref : {false, true}) EXPECT_EQ(run(conv, {1, 2, 3}, 1, 3, ref), expected);
  }
}

TEST(Conv1dTest, EpilogueAccumulatesThenLeakyRelu) {
  auto conv = Conv1d::conv(values({1, 1, 1}, {2}), Tensor(), 0, 1, L::kTimeFirst);
  ConvEpilogue epilogue = ConvEpilogue::residual();
  epilogue.leaky_slope = 0.25f;
  // y = leaky(2x + y0): 2·1−4 = −2 → −0.5; 2·3+1 = 7.
  const std::vector<float> expected{-0.5f, 7};
  for (bool ref : {false, true})
    EXPECT_EQ(run(conv, {1, 3}, 1, 2, ref, epilogue, {-4, 1}), expected);
}

// Independent double-precision loops in PyTorch layout, the definition of both operations.
std::vector<double> naive(const std::vector<float>& x, int64_t batch, int64_t in, int64_t time,
                          const Tensor& w, const Tensor& b, bool transposed, int64_t stride,
                          int64_t pad, int64_t dil, int64_t out, int64_t tout) {
  const int64_t k = w.dim(2);
  std::vector<double> y(batch * out * tout);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < out; ++o)
      for (int64_t t = 0; t < tout; ++t) {
        double acc = b.empty() ? 0.0 : b.data()[o];
        for (int64_t i = 0; i < in; ++i)
          for (int64_t kk = 0; kk < k; ++kk) {
            if (transposed) {
              const int64_t num = t + pad - kk;
              if (num % stride != 0) continue;
              const int64_t s = num / stride;
              if (num < 0 || s >= time) continue;
              acc += double(w.data()[(i * out + o) * k + kk]) * x[(n * in + i) * time + s];
            } else {
              const int64_t s = t - pad + kk * dil;
              if (s < 0 || s >= time) continue;
              acc += double(w.data()[(o * in + i) * k + kk]) * x[(n * in + i) * time + s];
            }
          }
        y[(n * out + o) * tout + t] = acc;
      }
  return y;
}

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.mutable_data()[i] = dist(rng);
  return t;
}

struct Case {
  bool transposed;
  int64_t in, out, k, stride, pad, dil, time;
};

// oneDNN and the reference loops against the double-precision definition, both layouts, batch 2,
// the HiFi-GAN shapes (odd kernels with dilation; k8 s4 p2 upsampling). Tolerance: rel-L2 1e-5
// (float32 sums of up to 2816 products give ~1e-7).
TEST(Conv1dTest, MatchesDefinitionOnHifiGanShapes) {
  std::mt19937 rng(7);
  const Case cases[] = {{false, 80, 64, 7, 1, 3, 1, 23},
                        {false, 48, 48, 11, 1, 25, 5, 50},
                        {false, 48, 48, 3, 1, 3, 3, 9},
                        {false, 16, 1, 7, 1, 3, 1, 40},
                        {true, 64, 32, 8, 4, 2, 1, 13},
                        {true, 32, 16, 16, 8, 4, 1, 5},
                        {false, 80, 32, 5, 1, 2, 1, 1},
                        // Wide enough that time-first signals span several tiles.
                        {false, 256, 32, 11, 1, 25, 5, 600},
                        {true, 256, 16, 8, 4, 2, 1, 150}};
  for (const Case& c : cases) {
    const int64_t batch = 2;
    Tensor w = random_tensor(c.transposed ? Shape{c.in, c.out, c.k} : Shape{c.out, c.in, c.k}, rng);
    Tensor b = random_tensor({c.out}, rng);
    Tensor x = random_tensor({batch, c.in, c.time}, rng);
    std::vector<float> xcf(x.data(), x.data() + x.numel());
    const int64_t tout = c.transposed ? (c.time - 1) * c.stride - 2 * c.pad + c.k
                                      : c.time + 2 * c.pad - c.dil * (c.k - 1);
    const auto expected =
        naive(xcf, batch, c.in, c.time, w, b, c.transposed, c.stride, c.pad, c.dil, c.out, tout);
    for (auto layout : {L::kChannelsFirst, L::kTimeFirst}) {
      auto conv = c.transposed ? Conv1d::transposed(w, b, c.stride, c.pad, layout)
                               : Conv1d::conv(w, b, c.pad, c.dil, layout);
      ASSERT_EQ(conv.output_length(c.time), tout);
      std::vector<float> xin = xcf;
      if (layout == L::kTimeFirst)
        for (int64_t n = 0; n < batch; ++n)
          for (int64_t i = 0; i < c.in; ++i)
            for (int64_t t = 0; t < c.time; ++t)
              xin[(n * c.time + t) * c.in + i] = xcf[(n * c.in + i) * c.time + t];
      for (bool ref : {false, true}) {
        auto y = run(conv, xin, batch, c.time, ref);
        double num = 0, den = 0;
        for (int64_t n = 0; n < batch; ++n)
          for (int64_t o = 0; o < c.out; ++o)
            for (int64_t t = 0; t < tout; ++t) {
              const double e = expected[(n * c.out + o) * tout + t];
              const double a = layout == L::kTimeFirst ? y[(n * tout + t) * c.out + o]
                                                       : y[(n * c.out + o) * tout + t];
              num += (a - e) * (a - e);
              den += e * e;
            }
        EXPECT_LT(std::sqrt(num / den), 1e-5)
            << (c.transposed ? "transposed " : "") << c.in << "->" << c.out << " k" << c.k
            << (layout == L::kTimeFirst ? " time-first" : " channels-first")
            << (ref ? " reference" : " oneDNN");
      }
    }
  }
}

TEST(Conv1dTest, TensorForwardChecksChannels) {
  auto conv = Conv1d::conv(values({1, 2, 1}, {1, 1}), Tensor(), 0, 1, L::kTimeFirst);
  const Tensor y = conv.forward(values({2, 2}, {1, 2, 3, 4}));  // [T=2, C=2]
  EXPECT_EQ(y.shape(), (Shape{2, 1}));
  EXPECT_EQ(y.data()[0], 3);
  EXPECT_EQ(y.data()[1], 7);
  EXPECT_THROW(conv.forward(values({2, 3}, {1, 2, 3, 4, 5, 6})), Error);
}

}  // namespace
}  // namespace speecht5::kernels
