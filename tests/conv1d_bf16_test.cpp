// bf16 convolutions (kernels::ConvPrecision::kBf16): the float32 → bf16 conversion, oneDNN's
// bf16 kernels against the definition on bf16-rounded operands, and the fused epilogues.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/bf16_convert.h"
#include "kernels/conv1d.h"
#include "kernels/packed_weights.h"
#include "support/isa_scope.h"

namespace speecht5::kernels {
namespace {

using L = SignalLayout;

float round_bf16(float v) { return bf16_to_float(float_to_bf16(v)); }

Tensor random_tensor(Shape shape, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> dist(0.0f, scale);
  Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.mutable_data()[i] = dist(rng);
  return t;
}

// Every ISA gives float_to_bf16's bits: ties to even, NaN stays NaN, infinities, denormals,
// and lengths that leave a partial vector.
TEST(Bf16ConvertTest, MatchesScalarRoundingOnEveryIsa) {
  std::mt19937 rng(3);
  std::vector<float> x;
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 1000; ++i) {
    const uint32_t b = bits(rng);
    float f;
    std::memcpy(&f, &b, 4);
    x.push_back(f);
  }
  for (uint32_t b : {0x3f808000u, 0x3f818000u, 0x3f80ffffu, 0x7f7fffffu, 0x00000001u, 0x807fffffu,
                     0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f800001u, 0xffffffffu, 0u}) {
    float f;
    std::memcpy(&f, &b, 4);
    x.push_back(f);
  }
  for (Isa isa : test::supported_isas()) {
    test::IsaScope scope(isa);
    for (int64_t n :
         {int64_t{0}, int64_t{1}, int64_t{15}, int64_t{17}, static_cast<int64_t>(x.size())}) {
      std::vector<uint16_t> out(n + 1, 0xabcd);
      convert_to_bf16(x.data(), n, out.data());
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(out[i], float_to_bf16(x[i])) << isa_name(isa) << " element " << i;
      EXPECT_EQ(out[n], 0xabcd) << isa_name(isa) << ": wrote past the end";
    }
  }
}

// leaky_relu_to_bf16 = float_to_bf16(leaky_relu(x · scale)) on every ISA.
TEST(Bf16ConvertTest, LeakyReluToBf16OnEveryIsa) {
  std::mt19937 rng(4);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> x(1037);
  for (float& v : x) v = dist(rng);
  x[0] = 0.0f;
  x[1] = -0.0f;
  for (Isa isa : test::supported_isas()) {
    test::IsaScope scope(isa);
    std::vector<uint16_t> out(x.size());
    leaky_relu_to_bf16(x.data(), static_cast<int64_t>(x.size()), 0.5f, 0.1f, out.data());
    for (size_t i = 0; i < x.size(); ++i) {
      const float v = x[i] * 0.5f;
      ASSERT_EQ(out[i], float_to_bf16(v > 0.0f ? v : v * 0.1f)) << isa_name(isa) << " " << i;
    }
  }
}

struct Case {
  bool transposed;
  int64_t in, out, k, stride, pad, dil, time;
};

// [batch, in, time] → time-first copy.
std::vector<float> time_first(const Tensor& x) {
  const int64_t batch = x.dim(0), in = x.dim(1), time = x.dim(2);
  std::vector<float> out(x.numel());
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t t = 0; t < time; ++t)
        out[(n * time + t) * in + i] = x.data()[(n * in + i) * time + t];
  return out;
}

// The definition in double on operands rounded to bf16 (if `rounded`), time-first output.
std::vector<double> definition(const Tensor& x, const Tensor& w, const Tensor& b, const Case& c,
                               int64_t tout, bool rounded) {
  auto values = [&](const Tensor& t) {
    std::vector<double> v(t.numel());
    for (int64_t i = 0; i < t.numel(); ++i) v[i] = rounded ? round_bf16(t.data()[i]) : t.data()[i];
    return v;
  };
  const std::vector<double> xv = values(x), wv = values(w);
  const int64_t batch = x.dim(0);
  std::vector<double> y(batch * tout * c.out);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < c.out; ++o)
      for (int64_t t = 0; t < tout; ++t) {
        double acc = b.data()[o];
        for (int64_t kk = 0; kk < c.k; ++kk) {
          int64_t s;
          if (c.transposed) {
            const int64_t num = t + c.pad - kk;
            if (num < 0 || num % c.stride != 0) continue;
            s = num / c.stride;
          } else {
            s = t - c.pad + kk * c.dil;
          }
          if (s < 0 || s >= c.time) continue;
          for (int64_t i = 0; i < c.in; ++i) {
            const double wi =
                c.transposed ? wv[(i * c.out + o) * c.k + kk] : wv[(o * c.in + i) * c.k + kk];
            acc += wi * xv[(n * c.in + i) * c.time + s];
          }
        }
        y[(n * tout + t) * c.out + o] = acc;
      }
  return y;
}

double rel_l2(const std::vector<float>& a, const std::vector<double>& e) {
  double num = 0, den = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    num += (a[i] - e[i]) * (a[i] - e[i]);
    den += e[i] * e[i];
  }
  return std::sqrt(num / den);
}

// HiFi-GAN shapes, time-first, several tiles and the signal edges. Against the definition on
// bf16-rounded operands the only difference is float32 summation order (rel-L2 ≤ 1e-5); against
// the float32 definition it is the bf16 rounding (measured ≈ 3e-3, bound 1e-2). Where the CPU
// has no native bf16 convolution the layer must say so and compute in float32.
TEST(Conv1dBf16Test, MatchesRoundedDefinitionOnHifiGanShapes) {
  std::mt19937 rng(11);
  // Time-first tiles hold 2^16 / max(in, out) samples (64 to 1024), so most cases span several.
  const Case cases[] = {{false, 80, 512, 7, 1, 3, 1, 37},   {false, 128, 128, 3, 1, 1, 1, 600},
                        {false, 64, 64, 11, 1, 25, 5, 400}, {false, 32, 32, 7, 1, 9, 3, 2100},
                        {false, 32, 1, 7, 1, 3, 1, 1100},   {true, 512, 128, 8, 4, 2, 1, 20},
                        {true, 64, 32, 8, 4, 2, 1, 700}};
  for (const Case& c : cases) {
    const int64_t batch = 2;
    const Tensor w =
        random_tensor(c.transposed ? Shape{c.in, c.out, c.k} : Shape{c.out, c.in, c.k}, rng, 0.1f);
    const Tensor b = random_tensor({c.out}, rng, 0.1f);
    const Tensor x = random_tensor({batch, c.in, c.time}, rng);
    const auto conv =
        c.transposed
            ? Conv1d::transposed(w, b, c.stride, c.pad, L::kTimeFirst, ConvPrecision::kBf16)
            : Conv1d::conv(w, b, c.pad, c.dil, L::kTimeFirst, ConvPrecision::kBf16);
    const bool bf16 = bf16_convolution_supported();
    ASSERT_EQ(conv.precision(), bf16 ? ConvPrecision::kBf16 : ConvPrecision::kFp32);
    const int64_t tout = conv.output_length(c.time);
    const auto rounded = definition(x, w, b, c, tout, bf16);
    const auto exact = definition(x, w, b, c, tout, false);
    const std::vector<float> xt = time_first(x);
    std::vector<float> y(batch * tout * c.out);
    const std::string label = std::string(c.transposed ? "transposed " : "") +
                              std::to_string(c.in) + "->" + std::to_string(c.out) + " k" +
                              std::to_string(c.k) + " T" + std::to_string(c.time);
    for (bool reference : {false, true}) {
      if (reference)
        conv.forward_reference(xt.data(), batch, c.time, y.data());
      else
        conv.forward(xt.data(), batch, c.time, y.data());
      const double err = rel_l2(y, rounded);
      const double err_fp32 = rel_l2(y, exact);
      std::printf("[bf16 conv] %s %s: rel-L2 %.2e vs rounded operands, %.2e vs float32\n",
                  label.c_str(), reference ? "reference" : "oneDNN", err, err_fp32);
      EXPECT_LT(err, 1e-5) << label << (reference ? " reference" : " oneDNN");
      EXPECT_LT(err_fp32, bf16 ? 1e-2 : 1e-5) << label;
    }
    if (bf16)
      for (const std::string& name : conv.implementations()) {
        EXPECT_EQ(name.rfind("ref", 0), std::string::npos) << label << ": " << name;
        EXPECT_NE(name.find("bf16"), std::string::npos) << label << ": " << name;
      }
  }
}

// The fused epilogues in bf16 mode: residual accumulate + leaky ReLU, and tanh, oneDNN against
// the reference loops (same bf16 rounding), so the tolerance is float32 summation order.
TEST(Conv1dBf16Test, EpiloguesMatchReference) {
  std::mt19937 rng(5);
  const int64_t in = 48, out = 48, k = 5, time = 700, batch = 1;
  const Tensor w = random_tensor({out, in, k}, rng, 0.1f), b = random_tensor({out}, rng, 0.1f);
  const Tensor x = random_tensor({batch, in, time}, rng);
  const std::vector<float> xt = time_first(x);
  const Tensor y0 = random_tensor({batch * time * out}, rng);
  const auto conv = Conv1d::conv(w, b, 2, 1, L::kTimeFirst, ConvPrecision::kBf16);
  ConvEpilogue residual_leaky = ConvEpilogue::residual();
  residual_leaky.leaky_slope = 0.1f;
  for (const ConvEpilogue& ep : {residual_leaky, ConvEpilogue::then_tanh()}) {
    std::vector<float> fast(y0.data(), y0.data() + y0.numel()), ref = fast;
    conv.forward(xt.data(), batch, time, fast.data(), ep);
    conv.forward_reference(xt.data(), batch, time, ref.data(), ep);
    double num = 0, den = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      num += double(fast[i] - ref[i]) * (fast[i] - ref[i]);
      den += double(ref[i]) * ref[i];
    }
    EXPECT_LT(std::sqrt(num / den), 1e-5) << (ep.tanh ? "tanh" : "residual + leaky ReLU");
  }
}

// bf16 activations in and out (what the bf16 HiFi-GAN chains): bf16 → bf16 with leaky ReLU is
// the reference's result rounded to bf16 (within 1 bf16 ulp: summation order can flip a
// rounding); bf16 → float32 with a residual add matches the reference to rel-L2 1e-5.
TEST(Conv1dBf16Test, Bf16ActivationsInAndOut) {
  if (!bf16_convolution_supported()) GTEST_SKIP() << "no native bf16 convolution on this CPU";
  std::mt19937 rng(9);
  const int64_t in = 32, out = 32, k = 7, time = 2100, batch = 2;
  const Tensor w = random_tensor({out, in, k}, rng, 0.1f), b = random_tensor({out}, rng, 0.1f);
  const auto conv = Conv1d::conv(w, b, 9, 3, L::kTimeFirst, ConvPrecision::kBf16);
  const Tensor x = random_tensor({batch * time * in}, rng);
  std::vector<uint16_t> x16(x.numel());
  std::vector<float> xr(x.numel());  // the bf16 values as floats
  for (int64_t i = 0; i < x.numel(); ++i) {
    x16[i] = float_to_bf16(x.data()[i]);
    xr[i] = bf16_to_float(x16[i]);
  }
  const int64_t n = batch * time * out;
  {
    const ConvEpilogue ep = ConvEpilogue::leaky_relu(0.1f);
    std::vector<uint16_t> y16(n);
    std::vector<float> ref(n);
    conv.forward(x16.data(), batch, time, y16.data(), ep);
    conv.forward_reference(xr.data(), batch, time, ref.data(), ep);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_LE(std::abs(int(y16[i]) - int(float_to_bf16(ref[i]))), 1) << i;
  }
  {
    const Tensor y0 = random_tensor({n}, rng);
    std::vector<float> y(y0.data(), y0.data() + n), ref = y;
    conv.forward(x16.data(), batch, time, y.data(), ConvEpilogue::residual());
    conv.forward_reference(xr.data(), batch, time, ref.data(), ConvEpilogue::residual());
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; ++i) {
      num += double(y[i] - ref[i]) * (y[i] - ref[i]);
      den += double(ref[i]) * ref[i];
    }
    EXPECT_LT(std::sqrt(num / den), 1e-5);
  }
  // A residual add needs a float32 output; bf16 activations need a bf16 convolution.
  std::vector<uint16_t> y16(n);
  EXPECT_THROW(conv.forward(x16.data(), batch, time, y16.data(), ConvEpilogue::residual()), Error);
  const auto fp32 = Conv1d::conv(w, b, 9, 3, L::kTimeFirst);
  std::vector<float> y(n);
  EXPECT_THROW(fp32.forward(x16.data(), batch, time, y.data()), Error);
}

TEST(Conv1dBf16Test, Fp32StaysFp32) {
  std::mt19937 rng(2);
  const auto conv =
      Conv1d::conv(random_tensor({4, 4, 3}, rng), random_tensor({4}, rng), 1, 1, L::kTimeFirst);
  EXPECT_EQ(conv.precision(), ConvPrecision::kFp32);
  EXPECT_EQ(conv_precision_for(Precision::kFp32), ConvPrecision::kFp32);
  EXPECT_EQ(conv_precision_for(Precision::kBf16), ConvPrecision::kBf16);
  EXPECT_EQ(conv_precision_for(Precision::kInt8), ConvPrecision::kBf16);
}

}  // namespace
}  // namespace speecht5::kernels
