// The SIMD small ops (attention, softmax, GELU, exp) of every ISA this machine supports against
// double-precision references, with the bounds the fp32 mode's rel-L2 ≤ 1e-5 budget allows.
#include "kernels/small_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/activations.h"
#include "kernels/attention.h"
#include "kernels/cpu_features.h"
#include "kernels/norm.h"
#include "kernels/packed_weights.h"
#include "support/isa_scope.h"

namespace speecht5::kernels {
namespace {

using test::IsaScope;
using test::supported_isas;

std::vector<float> random_values(int64_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

TEST(SmallOpsTest, VectorExpIsWithinThreeUlps) {
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_supported(isa)) continue;
    const SmallOpsTable* ops = small_ops_for(isa);
    ASSERT_NE(ops, nullptr);
    std::vector<float> x;
    for (float v = -87.0f; v < 88.3f; v += 0.0137f) x.push_back(v);
    for (float v : {0.0f, -0.0f, 1e-8f, -1e-8f, 1.0f}) x.push_back(v);
    std::vector<float> y(x.size());
    ops->exp(x.data(), static_cast<int64_t>(x.size()), y.data());
    for (size_t i = 0; i < x.size(); ++i) {
      const double ref = std::exp(double{x[i]});
      ASSERT_LE(std::fabs(y[i] - ref), 3 * 1.2e-7 * ref) << isa_name(isa) << " exp(" << x[i] << ")";
    }
    const float masked[3] = {kMaskedScore, -100.0f, -87.5f};
    float out[3];
    ops->exp(masked, 3, out);
    for (float v : out) EXPECT_EQ(v, 0.0f) << isa_name(isa);  // as expf underflows
  }
}

TEST(SmallOpsTest, GeluMatchesExactErfPerIsa) {
  std::vector<float> x;
  for (float v = -12.0f; v <= 12.0f; v += 0.00731f) x.push_back(v);
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    std::vector<float> y = x;
    gelu_erf(y.data(), static_cast<int64_t>(y.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = x[i], ref = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
      ASSERT_LE(std::fabs(y[i] - ref), 4e-7 * std::max(1.0, std::fabs(v)))
          << isa_name(isa) << " gelu(" << x[i] << ")";
    }
  }
}

// gelu_erf_rows (a team member's columns of every row, in one call) gives each row's gelu_erf
// bits and leaves the values between the rows alone.
TEST(SmallOpsTest, GeluOverRowsEqualsGeluPerRow) {
  constexpr int64_t kRows = 8, kCols = 37, kLd = 53;
  const auto x = random_values(kRows * kLd, 61, 2.0f);
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    std::vector<float> block = x, want = x;
    gelu_erf_rows(block.data() + 5, kRows, kCols, kLd);
    for (int64_t r = 0; r < kRows; ++r) gelu_erf(want.data() + 5 + r * kLd, kCols);
    EXPECT_EQ(block, want) << isa_name(isa);
    EXPECT_EQ(block[4], x[4]);
    EXPECT_EQ(block[5 + kCols], x[5 + kCols]);
  }
}

// The SIMD LayerNorm rows must give the portable loop's bits (the fp32 fixtures were matched
// with it), for widths with and without a tail, in place and not; and both must match a double
// reference.
TEST(SmallOpsTest, LayerNormIsBitIdenticalOnEveryIsa) {
  for (int64_t dim : {768, 80, 13, 1, 512, 3072}) {
    constexpr int64_t kRows = 7;  // the SIMD rows go four at a time: a group of 4 and of 3
    // An offset and a large scale: the mean and the centring must be exact enough for both.
    auto x = random_values(kRows * dim, 41, 3.0f);
    for (auto& v : x) v += 10.0f;
    const auto gamma = random_values(dim, 42, 1.0f), beta = random_values(dim, 43, 0.5f);
    std::vector<float> portable(x.size());
    {
      IsaScope scope(Isa::kGeneric);
      layer_norm(x.data(), kRows, dim, gamma.data(), beta.data(), 1e-5f, portable.data());
    }
    for (int64_t r = 0; r < kRows && dim > 1; ++r) {
      double mean = 0, var = 0;
      for (int64_t i = 0; i < dim; ++i) mean += x[r * dim + i];
      mean /= dim;
      for (int64_t i = 0; i < dim; ++i) var += (x[r * dim + i] - mean) * (x[r * dim + i] - mean);
      var /= dim;
      for (int64_t i = 0; i < dim; ++i) {
        const double ref = (x[r * dim + i] - mean) / std::sqrt(var + 1e-5) * gamma[i] + beta[i];
        ASSERT_NEAR(portable[r * dim + i], ref, 2e-6 * (std::fabs(ref) + 1)) << dim << " " << i;
      }
    }
    for (Isa isa : supported_isas()) {
      IsaScope scope(isa);
      std::vector<float> out(x.size()), in_place = x;
      layer_norm(x.data(), kRows, dim, gamma.data(), beta.data(), 1e-5f, out.data());
      layer_norm(in_place.data(), kRows, dim, gamma.data(), beta.data(), 1e-5f, in_place.data());
      EXPECT_EQ(out, portable) << isa_name(isa) << " dim " << dim;
      EXPECT_EQ(in_place, portable) << isa_name(isa) << " dim " << dim << " in place";
      for (int64_t rows : {1, 2}) {  // the smaller groups on their own
        std::vector<float> few(rows * dim);
        layer_norm(x.data(), rows, dim, gamma.data(), beta.data(), 1e-5f, few.data());
        EXPECT_TRUE(std::equal(few.begin(), few.end(), portable.begin()))
            << isa_name(isa) << " dim " << dim << " rows " << rows;
      }
    }
  }
}

TEST(SmallOpsTest, SoftmaxMatchesDoubleAndZeroesMaskedScores) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (int64_t cols : {1, 7, 16, 37, 100}) {
      auto x = random_values(3 * cols, 21, 4.0f);
      if (cols > 2) x[1] = x[cols + 2] = kMaskedScore;
      const auto original = x;
      softmax_rows(x.data(), 3, cols);
      for (int64_t r = 0; r < 3; ++r) {
        double max = -1e300, sum = 0;
        for (int64_t j = 0; j < cols; ++j) max = std::max(max, double{original[r * cols + j]});
        for (int64_t j = 0; j < cols; ++j) sum += std::exp(original[r * cols + j] - max);
        for (int64_t j = 0; j < cols; ++j) {
          const double ref = std::exp(original[r * cols + j] - max) / sum;
          ASSERT_NEAR(x[r * cols + j], ref, 1e-6 * ref + 1e-9) << isa_name(isa) << " cols=" << cols;
          if (original[r * cols + j] == kMaskedScore) {
            EXPECT_EQ(x[r * cols + j], 0.0f);
          }
        }
      }
    }
  }
}

TEST(SmallOpsTest, AttentionHeadMatchesDoubleReferencePerIsa) {
  struct Case {
    int64_t tq, tk, d;
    bool bias, mask;
  };
  const Case cases[] = {{1, 1, 64, false, false},   {1, 57, 64, false, true},
                        {1, 100, 64, false, false}, {3, 40, 64, true, true},
                        {2, 9, 48, true, false},    {1, 13, 20, false, true}};
  const int64_t stride = 200;
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (const Case& c : cases) {
      const auto q = random_values(c.tq * stride, 31, 0.3f),
                 k = random_values(c.tk * stride, 32, 1.0f);
      const auto v = random_values(c.tk * stride, 33, 1.0f),
                 bias = random_values(c.tq * c.tk, 34, 1.0f);
      std::vector<float> mask(c.tk, 0.0f);
      if (c.mask) {
        for (int64_t j = c.tk / 2; j < c.tk; j += 3) mask[j] = kMaskedScore;
      }
      std::vector<float> probs(c.tq * c.tk), out(c.tq * stride, 0.0f);
      attention_head(q.data(), stride, c.tq, k.data(), v.data(), stride, c.tk, c.d,
                     c.bias ? bias.data() : nullptr, c.mask ? mask.data() : nullptr, probs.data(),
                     out.data(), stride);
      for (int64_t i = 0; i < c.tq; ++i) {
        std::vector<double> s(c.tk);
        double max = -1e300, sum = 0;
        for (int64_t j = 0; j < c.tk; ++j) {
          double acc = 0;
          for (int64_t e = 0; e < c.d; ++e) acc += double{q[i * stride + e]} * k[j * stride + e];
          if (c.bias) acc += bias[i * c.tk + j];
          if (c.mask && mask[j] != 0.0f) acc = -1e300;
          s[j] = acc;
          max = std::max(max, acc);
        }
        for (auto& val : s) sum += (val = std::exp(val - max));
        double num = 0, den = 0;
        for (int64_t e = 0; e < c.d; ++e) {
          double ref = 0;
          for (int64_t j = 0; j < c.tk; ++j) ref += s[j] / sum * v[j * stride + e];
          num += (out[i * stride + e] - ref) * (out[i * stride + e] - ref);
          den += ref * ref;
        }
        EXPECT_LE(std::sqrt(num / den), 2e-6)
            << isa_name(isa) << " tq=" << c.tq << " tk=" << c.tk << " d=" << c.d;
      }
    }
  }
}

// rel-L2 of `out` against softmax(q·kᵀ + mask)·v in double precision (k, v [tk, d]).
double one_query_rel_l2(const std::vector<float>& q, const std::vector<float>& k,
                        const std::vector<float>& v, const float* mask, int64_t tk, int64_t d,
                        const std::vector<float>& out) {
  std::vector<double> s(tk);
  double max = -1e300, sum = 0;
  for (int64_t j = 0; j < tk; ++j) {
    double acc = 0;
    for (int64_t e = 0; e < d; ++e) acc += double{q[e]} * k[j * d + e];
    s[j] = mask != nullptr && mask[j] != 0.0f ? -1e300 : acc;
    max = std::max(max, s[j]);
  }
  for (auto& val : s) sum += (val = std::exp(val - max));
  double num = 0, den = 0;
  for (int64_t e = 0; e < d; ++e) {
    double ref = 0;
    for (int64_t j = 0; j < tk; ++j) ref += s[j] / sum * v[j * d + e];
    num += (out[e] - ref) * (out[e] - ref);
    den += ref * ref;
  }
  return std::sqrt(num / den);
}

// One query over a contiguous [tk, d] head, float32 or bf16 (the reduced-precision KV cache):
// against a double reference computed from the values actually stored (bf16-rounded), on every
// ISA. The float32 path must give the bits of attention_head() with tq = 1, and prefetching the
// next head must never change a bit.
TEST(SmallOpsTest, OneQueryOverFloatAndBf16CachesPerIsa) {
  struct Case {
    int64_t tk, d;
    bool mask;
  };
  const Case cases[] = {{1, 64, false},   {17, 64, false}, {57, 64, true},
                        {100, 64, false}, {9, 48, true},   {13, 20, false}};
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (const Case& c : cases)
      for (bool bf16 : {false, true}) {
        const auto q = random_values(c.d, 41, 0.3f);
        auto k = random_values(c.tk * c.d, 42, 1.0f), v = random_values(c.tk * c.d, 43, 1.0f);
        std::vector<uint16_t> k16(k.size()), v16(v.size());
        for (size_t i = 0; i < k.size(); ++i) {
          k16[i] = float_to_bf16(k[i]);
          v16[i] = float_to_bf16(v[i]);
          if (bf16) k[i] = bf16_to_float(k16[i]), v[i] = bf16_to_float(v16[i]);
        }
        std::vector<float> mask(c.tk, 0.0f);
        if (c.mask)
          for (int64_t j = c.tk / 2; j < c.tk; j += 3) mask[j] = kMaskedScore;
        const KvHead head = bf16 ? KvHead{k16.data(), v16.data(), KvFormat::kBf16}
                                 : KvHead{k.data(), v.data(), KvFormat::kF32};
        const KvHead next = head;  // any valid head of as many positions
        std::vector<float> probs(c.tk), out(c.d), probs_pf(c.tk), out_pf(c.d);
        const float* m = c.mask ? mask.data() : nullptr;
        attention_one_query(q.data(), head, c.tk, c.d, m, probs.data(), out.data());
        attention_one_query(q.data(), head, c.tk, c.d, m, probs_pf.data(), out_pf.data(), next);
        EXPECT_EQ(out, out_pf) << isa_name(isa);
        EXPECT_EQ(probs, probs_pf) << isa_name(isa);
        if (!bf16) {
          std::vector<float> probs_ref(c.tk), out_ref(c.d);
          attention_head(q.data(), c.d, 1, k.data(), v.data(), c.d, c.tk, c.d, nullptr, m,
                         probs_ref.data(), out_ref.data(), c.d);
          EXPECT_EQ(out, out_ref) << isa_name(isa) << " tk=" << c.tk << " d=" << c.d;
        }
        EXPECT_LE(one_query_rel_l2(q, k, v, c.mask ? m : nullptr, c.tk, c.d, out), 2e-6)
            << isa_name(isa) << (bf16 ? " bf16" : " f32") << " tk=" << c.tk << " d=" << c.d;
      }
  }
}

// One query over an int8 head (int8 mode's KV cache: a scale per kKvInt8Group values of a row,
// quantised by quantize_rows_int8): against the double reference computed from the values the
// rows stand for (q · scale), on every ISA; prefetching the next head changes no bit. A head size
// that is not a whole number of groups is refused.
TEST(SmallOpsTest, OneQueryOverInt8CachePerIsa) {
  struct Case {
    int64_t tk, d;
    bool mask;
  };
  const Case cases[] = {{1, 64, false}, {17, 64, false}, {57, 64, true}, {100, 64, false},
                        {9, 32, true},  {13, 96, false}, {40, 128, true}};
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (const Case& c : cases) {
      const int64_t groups = c.d / kKvInt8Group;
      const auto q = random_values(c.d, 51, 0.3f);
      auto k = random_values(c.tk * c.d, 52, 1.0f), v = random_values(c.tk * c.d, 53, 1.0f);
      std::vector<int8_t> k8(k.size()), v8(v.size());
      std::vector<float> ks(c.tk * groups), vs(c.tk * groups);
      for (int64_t g = 0; g < c.tk * groups; ++g) {
        const int64_t at = g * kKvInt8Group;
        quantize_rows_int8(k.data() + at, 1, kKvInt8Group, kKvInt8Group, kKvInt8Group,
                           k8.data() + at, &ks[g]);
        quantize_rows_int8(v.data() + at, 1, kKvInt8Group, kKvInt8Group, kKvInt8Group,
                           v8.data() + at, &vs[g]);
        for (int64_t e = at; e < at + kKvInt8Group; ++e) {
          ASSERT_LE(std::fabs(k8[e] * ks[g] - k[e]), 0.5f * ks[g] * (1 + 1e-6f));
          k[e] = k8[e] * ks[g];
          v[e] = v8[e] * vs[g];
        }
      }
      std::vector<float> mask(c.tk, 0.0f);
      if (c.mask)
        for (int64_t j = c.tk / 2; j < c.tk; j += 3) mask[j] = kMaskedScore;
      const float* m = c.mask ? mask.data() : nullptr;
      const KvHead head{k8.data(), v8.data(), KvFormat::kInt8, ks.data(), vs.data()};
      std::vector<float> probs(c.tk), out(c.d), probs_pf(c.tk), out_pf(c.d);
      attention_one_query(q.data(), head, c.tk, c.d, m, probs.data(), out.data());
      attention_one_query(q.data(), head, c.tk, c.d, m, probs_pf.data(), out_pf.data(), head);
      EXPECT_EQ(out, out_pf) << isa_name(isa);
      EXPECT_EQ(probs, probs_pf) << isa_name(isa);
      EXPECT_LE(one_query_rel_l2(q, k, v, m, c.tk, c.d, out), 2e-6)
          << isa_name(isa) << " int8 tk=" << c.tk << " d=" << c.d;
    }
    const std::vector<float> q(48, 0.1f);
    std::vector<int8_t> rows(4 * 48, 1);
    std::vector<float> scales(4 * 2, 1.0f), probs(4), out(48);
    const KvHead odd{rows.data(), rows.data(), KvFormat::kInt8, scales.data(), scales.data()};
    EXPECT_THROW(attention_one_query(q.data(), odd, 4, 48, nullptr, probs.data(), out.data()),
                 Error)
        << isa_name(isa);
  }
}

}  // namespace
}  // namespace speecht5::kernels
