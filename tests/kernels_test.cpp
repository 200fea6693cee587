// Every Linear kernel, per precision and per ISA this machine supports, against references
// computed in double (CTranslate2 ops_test style). Sizes include inputs that are not a multiple
// of 2/4/16 and outputs that do not fill the last 16-row block; row counts cover every tile
// remainder and both sides of the oneDNN GEMM threshold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/bandwidth.h"
#include "kernels/cpu_features.h"
#include "kernels/linear.h"
#include "kernels/team.h"
#include "kernels/threading.h"
#include "support/fixtures.h"
#include "support/isa_scope.h"

namespace speecht5::kernels {
namespace {

struct Problem {
  int64_t rows, in, out;
};

std::vector<float> random_values(int64_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

Tensor to_tensor(const std::vector<float>& v, Shape shape) {
  return Tensor::from_values(std::move(shape), v);
}

// y = x·Wᵀ + b in double, with the operands first passed through `round` (identity for fp32,
// bf16 rounding for bf16). Also returns Σ|x||w| per output for per-element error bounds.
template <typename Round>
void reference(const std::vector<float>& x, const std::vector<float>& w,
               const std::vector<float>& b, const Problem& p, Round round, std::vector<double>& y,
               std::vector<double>& magnitude) {
  y.assign(p.rows * p.out, 0.0);
  magnitude.assign(p.rows * p.out, 0.0);
  for (int64_t r = 0; r < p.rows; ++r)
    for (int64_t o = 0; o < p.out; ++o) {
      double acc = b[o], mag = std::fabs(b[o]);
      for (int64_t k = 0; k < p.in; ++k) {
        const double prod = double{round(x[r * p.in + k])} * double{round(w[o * p.in + k])};
        acc += prod;
        mag += std::fabs(prod);
      }
      y[r * p.out + o] = acc;
      magnitude[r * p.out + o] = mag;
    }
}

double rel_l2_vs(const std::vector<float>& actual, const std::vector<double>& expected) {
  double num = 0, den = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
    den += expected[i] * expected[i];
  }
  return std::sqrt(num / den);
}

// Symmetric per-row int8 quantisation with the same float formulas as the packer, so the
// reference sees the same integers; the products are then summed exactly.
void quantize_reference(const float* v, int64_t n, std::vector<int32_t>& q, float& scale) {
  float max_abs = 0.0f;
  for (int64_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::fabs(v[i]));
  scale = max_abs / 127.0f;
  q.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    const float inv_or_ratio = v[i] * (max_abs > 0 ? 127.0f / max_abs : 0.0f);
    q[i] = static_cast<int32_t>(std::clamp(std::nearbyint(inv_or_ratio), -127.0f, 127.0f));
  }
}

using test::IsaScope;
using test::supported_isas;

const std::vector<Problem> kProblems = {
    {1, 768, 768}, {1, 37, 19},   {1, 3, 1},    {2, 64, 33},   {3, 130, 48},
    {4, 31, 17},   {5, 77, 40},   {7, 64, 16},  {8, 96, 80},   {9, 50, 29},
    {13, 71, 35},  {15, 200, 64}, {16, 64, 48}, {40, 768, 96}, {1, 3072, 160},
};

std::string describe(const Problem& p, Isa isa) {
  return "rows=" + std::to_string(p.rows) + " in=" + std::to_string(p.in) +
         " out=" + std::to_string(p.out) + " isa=" + isa_name(isa);
}

TEST(KernelsTest, Fp32MatchesDoubleReferencePerIsa) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (const Problem& p : kProblems) {
      const auto x = random_values(p.rows * p.in, 1), w = random_values(p.out * p.in, 2, 0.05f);
      const auto b = random_values(p.out, 3, 0.1f);
      Linear linear(to_tensor(w, {p.out, p.in}), to_tensor(b, {p.out}));
      std::vector<float> y(p.rows * p.out);
      linear.forward(x.data(), p.rows, y.data());
      std::vector<double> ref, mag;
      reference(
          x, w, b, p, [](float v) { return v; }, ref, mag);
      EXPECT_LE(rel_l2_vs(y, ref), 1e-5) << describe(p, isa);
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_LE(std::fabs(y[i] - ref[i]), 1e-5 * mag[i] + 1e-7)
            << describe(p, isa) << " at " << i;
    }
  }
}

// Many-row fp32 products (the encoder, the cross-attention keys/values, long batches) go
// through the same packed kernels as a decoder step: 8 rows at a time, then the rest.
TEST(KernelsTest, Fp32ManyRowsMatchReferencePerIsa) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (const Problem p : {Problem{24, 300, 70}, Problem{40, 768, 100}, Problem{203, 64, 33}}) {
      const auto x = random_values(p.rows * p.in, 4), w = random_values(p.out * p.in, 5, 0.05f);
      const auto b = random_values(p.out, 6, 0.1f);
      Linear linear(to_tensor(w, {p.out, p.in}), to_tensor(b, {p.out}));
      std::vector<double> ref, mag;
      reference(
          x, w, b, p, [](float v) { return v; }, ref, mag);
      std::vector<float> y(p.rows * p.out);
      linear.forward(x.data(), p.rows, y.data());
      EXPECT_LE(rel_l2_vs(y, ref), 1e-6) << isa_name(isa) << " rows=" << p.rows;
    }
  }
}

TEST(KernelsTest, Bf16MatchesReferenceOnRoundedOperandsPerIsa) {
  const auto round = [](float v) { return bf16_to_float(float_to_bf16(v)); };
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (const Problem& p : kProblems) {
      const auto x = random_values(p.rows * p.in, 7), w = random_values(p.out * p.in, 8, 0.05f);
      const auto b = random_values(p.out, 9, 0.1f);
      Linear linear(to_tensor(w, {p.out, p.in}), to_tensor(b, {p.out}), Precision::kBf16);
      std::vector<float> y(p.rows * p.out);
      linear.forward(x.data(), p.rows, y.data());
      // Exact on bf16-rounded operands up to fp32 accumulation.
      std::vector<double> ref, mag;
      reference(x, w, b, p, round, ref, mag);
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_LE(std::fabs(y[i] - ref[i]), 1e-5 * mag[i] + 1e-7)
            << describe(p, isa) << " at " << i;
      // And the rounding itself costs ≤ 1% against the fp32 product (≈ 3e-3 typical).
      std::vector<double> exact;
      reference(
          x, w, b, p, [](float v) { return v; }, exact, mag);
      EXPECT_LE(rel_l2_vs(y, exact), 1e-2) << describe(p, isa);
    }
  }
}

TEST(KernelsTest, Int8MatchesExactIntegerReferencePerIsa) {
  for (Isa isa : supported_isas()) {
    IsaScope scope(isa);
    for (const Problem& p : kProblems) {
      const auto x = random_values(p.rows * p.in, 10), w = random_values(p.out * p.in, 11, 0.05f);
      const auto b = random_values(p.out, 12, 0.1f);
      Linear linear(to_tensor(w, {p.out, p.in}), to_tensor(b, {p.out}), Precision::kInt8);
      std::vector<float> y(p.rows * p.out);
      linear.forward(x.data(), p.rows, y.data());
      std::vector<std::vector<int32_t>> wq(p.out);
      std::vector<float> wscale(p.out);
      for (int64_t o = 0; o < p.out; ++o) quantize_reference(&w[o * p.in], p.in, wq[o], wscale[o]);
      std::vector<double> exact, mag;
      reference(
          x, w, b, p, [](float v) { return v; }, exact, mag);
      for (int64_t r = 0; r < p.rows; ++r) {
        std::vector<int32_t> xq;
        float xscale;
        quantize_reference(&x[r * p.in], p.in, xq, xscale);
        for (int64_t o = 0; o < p.out; ++o) {
          int64_t acc = 0;
          for (int64_t k = 0; k < p.in; ++k) acc += int64_t{xq[k]} * wq[o][k];
          const double expected = double(acc) * (double(xscale) * wscale[o]) + b[o];
          ASSERT_NEAR(y[r * p.out + o], expected, 1e-6 * (std::fabs(expected) + mag[r * p.out + o]))
              << describe(p, isa) << " at row " << r << " out " << o;
        }
      }
      // Quantisation error against the fp32 product: ≈ 1e-2 for Gaussian data.
      EXPECT_LE(rel_l2_vs(y, exact), 3e-2) << describe(p, isa);
    }
  }
}

TEST(KernelsTest, EveryIsaGivesTheSameInt8AndNearlyTheSameFloatResults) {
  const Problem p{6, 333, 50};
  const auto x = random_values(p.rows * p.in, 13), w = random_values(p.out * p.in, 14, 0.05f);
  for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kInt8}) {
    Linear linear(to_tensor(w, {p.out, p.in}), Tensor(), precision);
    std::vector<float> generic(p.rows * p.out);
    {
      IsaScope scope(Isa::kGeneric);
      linear.forward(x.data(), p.rows, generic.data());
    }
    for (Isa isa : supported_isas()) {
      IsaScope scope(isa);
      std::vector<float> y(p.rows * p.out);
      linear.forward(x.data(), p.rows, y.data());
      const double bound = precision == Precision::kInt8 ? 0.0 : 1e-6;
      EXPECT_LE(test::rel_l2(y.data(), generic.data(), p.rows * p.out), bound)
          << precision_name(precision) << " " << isa_name(isa);
    }
  }
}

TEST(KernelsTest, ActivationConversionIsBitIdenticalOnEveryIsa) {
  // The SIMD conversions must give the portable loops' bits: the int8 / bf16 products (and so
  // every reduced-precision result) then do not depend on the CPU.
  for (int64_t in : {1, 15, 16, 17, 80, 768, 3071}) {
    const int64_t rows = 3, ldx = in + 5, k2 = (in + 1) / 2 * 2, k4 = (in + 3) / 4 * 4;
    auto x = random_values(rows * ldx, static_cast<uint32_t>(20 + in), 3.0f);
    x[0] = 0.0f;
    x[ldx - 1] = -0.0f;
    if (in > 2) x[1] = 1.0f / 3.0f, x[2] = -2.5f;                    // ties and thirds
    std::fill(x.begin() + 2 * ldx, x.begin() + 2 * ldx + in, 0.0f);  // an all-zero row: scale 0
    std::vector<uint16_t> bf_ref(rows * k2), bf(rows * k2);
    std::vector<int8_t> q_ref(rows * k4), q(rows * k4);
    std::vector<float> s_ref(rows), sc(rows);
    {
      test::IsaScope scope(Isa::kGeneric);
      convert_rows_bf16(x.data(), rows, in, ldx, k2, bf_ref.data());
      quantize_rows_int8(x.data(), rows, in, ldx, k4, q_ref.data(), s_ref.data());
    }
    for (Isa isa : test::supported_isas()) {
      test::IsaScope scope(isa);
      std::fill(bf.begin(), bf.end(), uint16_t{0xdead});
      std::fill(q.begin(), q.end(), int8_t{99});
      convert_rows_bf16(x.data(), rows, in, ldx, k2, bf.data());
      quantize_rows_int8(x.data(), rows, in, ldx, k4, q.data(), sc.data());
      EXPECT_EQ(bf, bf_ref) << isa_name(isa) << " in=" << in;
      EXPECT_EQ(q, q_ref) << isa_name(isa) << " in=" << in;
      EXPECT_EQ(sc, s_ref) << isa_name(isa) << " in=" << in;
    }
  }
  // Hand-computed: 1.0 → 0x3f80; the tie 1 + 2^-8 rounds to even (0x3f80); NaN stays NaN.
  const float special[4] = {1.0f, 1.00390625f, 1.01171875f, std::nanf("")};
  uint16_t out[4];
  convert_rows_bf16(special, 1, 4, 4, 4, out);
  EXPECT_EQ(out[0], 0x3f80);
  EXPECT_EQ(out[1], 0x3f80);
  EXPECT_EQ(out[2], 0x3f82);  // 1 + 3·2^-8 is a tie between 0x3f81 and 0x3f82: to even
  EXPECT_GT(out[3] & 0x7fff, 0x7f80);
}

TEST(KernelsTest, Bf16ConversionOfSpecialValuesIsBitIdenticalOnEveryIsa) {
  // The AVX-512 conversion instruction flushes denormals to zero; the conversion must not.
  // Specials among ordinary values, and a vector of ordinary values alone, in rows of 37 so that
  // full vectors and the masked tail both see them.
  uint32_t signalling_nan = 0x7fa12345u, negative_nan = 0xffc00001u;
  float snan, nnan;
  std::memcpy(&snan, &signalling_nan, 4);
  std::memcpy(&nnan, &negative_nan, 4);
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> specials = {1e-40f,
                                       -1e-45f,
                                       1.1754942e-38f,
                                       -1.1754942e-38f,
                                       std::numeric_limits<float>::min(),
                                       std::numeric_limits<float>::max(),
                                       -std::numeric_limits<float>::max(),
                                       inf,
                                       -inf,
                                       snan,
                                       nnan,
                                       0.0f,
                                       -0.0f,
                                       3.3895314e38f /* rounds up to inf */};
  const int64_t in = 37, rows = 3;
  std::vector<float> x = random_values(rows * in, 31, 2.0f);
  for (size_t i = 0; i < specials.size(); ++i) {
    x[i] = specials[i];                     // row 0: the first full vector and beyond
    x[2 * in + 20 + i % 17] = specials[i];  // row 2: the tail (columns 32..36) and before
  }
  std::vector<uint16_t> ref(rows * 38), got(rows * 38);
  {
    test::IsaScope scope(Isa::kGeneric);
    convert_rows_bf16(x.data(), rows, in, in, 38, ref.data());
  }
  for (Isa isa : test::supported_isas()) {
    test::IsaScope scope(isa);
    std::fill(got.begin(), got.end(), uint16_t{0xdead});
    convert_rows_bf16(x.data(), rows, in, in, 38, got.data());
    EXPECT_EQ(got, ref) << isa_name(isa);
  }
  // Hand-computed: 1e-40 is 0x000116c2, which rounds to the denormal bf16 0x0001, not to zero;
  // the largest denormal rounds up to the smallest normal; FLT_MAX rounds up to infinity.
  EXPECT_EQ(ref[0], 0x0001);
  EXPECT_EQ(ref[2], 0x0080);
  EXPECT_EQ(ref[5], 0x7f80);
  EXPECT_EQ(ref[9], 0x7fe1);  // the signalling NaN: truncated, quiet bit set
}

TEST(KernelsTest, ThreadCountDoesNotChangeResults) {
  const Problem p{3, 768, 3072};
  const auto x = random_values(p.rows * p.in, 15), w = random_values(p.out * p.in, 16, 0.05f);
  const int saved = num_threads();
  for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kInt8}) {
    Linear linear(to_tensor(w, {p.out, p.in}), Tensor(), precision);
    std::vector<float> one(p.rows * p.out), two(p.rows * p.out);
    set_num_threads(1);
    linear.forward(x.data(), p.rows, one.data());
    set_num_threads(2);
    linear.forward(x.data(), p.rows, two.data());
    EXPECT_EQ(one, two) << precision_name(
        precision);  // blocks are split, never summed across threads
  }
  set_num_threads(saved);
}

TEST(KernelsTest, BlockPairingDoesNotChangeResults) {
  // Threads take whole stored pairs of blocks; the odd last block goes through a one-block
  // tile. 51 blocks split over 2 or 3 threads differently, and a tiny slice of one block ends
  // the output: every split must give the same bits.
  const int saved = num_threads();
  for (int64_t rows : {5, 8, 13})
    for (Isa isa : test::supported_isas()) {
      test::IsaScope scope(isa);
      const Problem p{rows, 200, 51 * 16 - 3};
      const auto x = random_values(p.rows * p.in, 17), w = random_values(p.out * p.in, 18, 0.05f);
      const auto bias = random_values(p.out, 19, 0.1f);
      for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kInt8}) {
        Linear linear(to_tensor(w, {p.out, p.in}), to_tensor(bias, {p.out}), precision);
        std::vector<std::vector<float>> results;
        for (int threads : {1, 2, 3}) {
          set_num_threads(threads);
          std::vector<float> y(p.rows * p.out);
          linear.forward(x.data(), p.rows, y.data());
          results.push_back(y);
        }
        EXPECT_EQ(results[0], results[1])
            << precision_name(precision) << " " << isa_name(isa) << " rows " << rows;
        EXPECT_EQ(results[0], results[2])
            << precision_name(precision) << " " << isa_name(isa) << " rows " << rows;
      }
    }
  set_num_threads(saved);
}

// The int8 quantisation on many random rows at scales from 1e-30 to 1e29, with a denormal now
// and then: the SIMD version must give the portable loop's bits. This caught the AVX-512 version
// before 2026-11-28, whose x·inv + 1.5·2^23 rounding trick the compiler fused into one FMA:
// without the product's own rounding, near-ties (x·inv within an ulp of k + 0.5) went the other
// way than on AVX2 and the portable loop.
TEST(KernelsTest, Int8QuantisationMatchesThePortableLoopOnRandomRows) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const int64_t in = 1 + rng() % 3100, rows = 1 + rng() % 3, k4 = (in + 3) / 4 * 4;
    const float scale = std::pow(10.0f, static_cast<float>(static_cast<int>(rng() % 60) - 30));
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> x(rows * in);
    for (float& v : x) v = normal(rng);
    if (trial % 7 == 0) x[rng() % x.size()] = std::ldexp(1.0f, -130);
    std::vector<int8_t> q_ref(rows * k4), q(rows * k4);
    std::vector<float> s_ref(rows), s(rows);
    {
      test::IsaScope scope(Isa::kGeneric);
      quantize_rows_int8(x.data(), rows, in, in, k4, q_ref.data(), s_ref.data());
    }
    for (Isa isa : test::supported_isas()) {
      test::IsaScope scope(isa);
      quantize_rows_int8(x.data(), rows, in, in, k4, q.data(), s.data());
      ASSERT_EQ(q, q_ref) << isa_name(isa) << " trial " << trial << " in=" << in;
      ASSERT_EQ(s, s_ref) << isa_name(isa) << " trial " << trial;
    }
  }
}

// Naming the next product (forward_team's `then`) only moves a prefetch: the owner's last tile
// fetches the start of its part of the next matrix instead of a pair another member reads. It
// must change no bit, for any number of members, rows or precision, even when the next matrix
// has another shape (or there is none), and the pair addresses it uses must be the tiles' own.
TEST(KernelsTest, NamingTheNextProductChangesNoBit) {
  const auto w = random_values(200 * 80, 20, 0.05f), w_next = random_values(40 * 200, 21, 0.05f);
  for (int64_t rows : {1, 8, 11})
    for (Isa isa : test::supported_isas()) {
      test::IsaScope scope(isa);
      const auto x = random_values(rows * 80, 22);
      for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kInt8}) {
        const Linear linear(to_tensor(w, {200, 80}), Tensor(), precision);
        Linear next(to_tensor(w_next, {40, 200}), Tensor(), precision);  // non-const: still `then`
        for (int threads : {1, 2, 3}) {
          std::vector<float> plain(rows * 200), told(rows * 200);
          run_team(threads, [&](const Team& team) {
            team.run([&] { linear.forward_team(x.data(), rows, plain.data(), team); });
            team.barrier();
            team.run([&] { linear.forward_team(x.data(), rows, told.data(), team, &next); });
          });
          EXPECT_EQ(plain, told) << precision_name(precision) << " " << isa_name(isa) << " rows "
                                 << rows << " threads " << threads;
        }
      }
    }
  const PackedWeights packed = pack_weights(w.data(), 200, 80, Precision::kBf16);
  for (int64_t pair = 0; pair < stored_blocks(packed.blocks) / 2; ++pair)
    EXPECT_EQ(packed.pair_lines(pair), packed.block_lines<uint16_t>(2 * pair)) << pair;
}

TEST(KernelsTest, RowsConvertedBeforehandGiveTheSameBits) {
  // A decoder step converts x and the attention output where they are produced, each member its
  // own rows, and the products read them (Linear::convert): that must change no bit.
  const int64_t in = 80, out = 200;
  const auto w = random_values(out * in, 23, 0.05f), w_other = random_values(40 * in, 24, 0.05f);
  for (int64_t rows : {1, 8, 11})
    for (Isa isa : test::supported_isas()) {
      test::IsaScope scope(isa);
      const auto x = random_values(rows * in, 25);
      for (Precision precision : {Precision::kFp32, Precision::kBf16, Precision::kInt8}) {
        const Linear linear(to_tensor(w, {out, in}), Tensor(), precision);
        const Linear other(to_tensor(w_other, {40, in}), Tensor(), precision);  // converts
        std::vector<float> buffer((rows * other.converted_row_bytes() + 3) / 4), scales(rows);
        const int64_t split = rows / 2;  // converted in two parts, as two members would
        other.convert(x.data(), split, in, buffer.data(), scales.data());
        other.convert(x.data() + split * in, rows - split, in,
                      reinterpret_cast<char*>(buffer.data()) + split * other.converted_row_bytes(),
                      scales.data() + split);
        const ConvertedRows converted =
            other.converted_at(buffer.data(), scales.data(), x.data(), in);
        for (int threads : {1, 2}) {
          std::vector<float> plain(rows * out), from_converted(rows * out);
          run_team(threads, [&](const Team& team) {
            team.run([&] { linear.forward_team(x.data(), rows, plain.data(), team); });
            team.barrier();
            team.run([&] { linear.forward_team(converted, rows, from_converted.data(), team); });
          });
          EXPECT_EQ(plain, from_converted) << precision_name(precision) << " " << isa_name(isa)
                                           << " rows " << rows << " threads " << threads;
        }
      }
    }
  // Rows converted for another precision or width are refused, not misread.
  const Linear bf16(to_tensor(w, {out, in}), Tensor(), Precision::kBf16);
  const Linear int8(to_tensor(w, {out, in}), Tensor(), Precision::kInt8);
  const Linear narrower(to_tensor(random_values(out * 64, 26), {out, 64}), Tensor(),
                        Precision::kInt8);
  const auto x = random_values(in, 27);
  std::vector<float> buffer(in), scales(1), y(out);
  const ConvertedRows as_bf16 = bf16.convert(x.data(), 1, in, buffer.data(), scales.data());
  EXPECT_EQ(as_bf16.ld, 80);
  EXPECT_EQ(bf16.converted_row_bytes(), 160);
  EXPECT_EQ(int8.converted_row_bytes(), 80);
  for (const Linear* wrong : {&int8, &narrower})
    run_team(1, [&](const Team& team) {
      try {
        wrong->forward_team(as_bf16, 1, y.data(), team);
        ADD_FAILURE() << "accepted rows converted for another layer";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kInternal);
      }
    });
}

TEST(KernelsTest, OptionNamesAndErrors) {
  EXPECT_EQ(parse_precision("bf16"), Precision::kBf16);
  EXPECT_EQ(precision_name(Precision::kInt8), "int8");
  EXPECT_THROW(parse_precision("fp16"), Error);
  EXPECT_EQ(parse_isa("avx2"), Isa::kAvx2);
  EXPECT_THROW(parse_isa("sse9"), Error);
  EXPECT_THROW(set_num_threads(0), Error);
  EXPECT_TRUE(isa_supported(Isa::kGeneric));
  EXPECT_TRUE(isa_supported(best_supported_isa()));
  EXPECT_THROW(Linear(Tensor({4}), Tensor()), Error);        // weight must be 2-D
  EXPECT_THROW(Linear(Tensor({4, 3}), Tensor({5})), Error);  // bias must match
}

TEST(KernelsTest, Bf16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(bf16_to_float(0x3f80) + std::ldexp(1.0f, -8)), 0x3f80);  // tie → even
  EXPECT_EQ(float_to_bf16(bf16_to_float(0x3f81) + std::ldexp(1.0f, -8)), 0x3f82);  // tie → even
  EXPECT_EQ(float_to_bf16(-2.0f), 0xc000);
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(std::nanf("")))));
}

TEST(KernelsTest, BandwidthProbeReadsAtAPlausibleRate) {
  const BandwidthResult r = measure_read_bandwidth(size_t{32} << 20, 2, 1);
  EXPECT_EQ(r.bytes, size_t{32} << 20);
  EXPECT_EQ(r.threads, 1);
  EXPECT_GT(r.gb_per_s, 1.0);     // any DRAM of the last 15 years
  EXPECT_LT(r.gb_per_s, 2000.0);  // more means the reads were optimised away
}

}  // namespace
}  // namespace speecht5::kernels
