#pragma once
// Weights of a Linear layer repacked once at load so that a GEMV reads them as ONE sequential
// stream: output rows are grouped in blocks of kBlock (16) and interleaved along the input
// dimension, so each 64-byte line holds the same input position(s) for 16 outputs, and the
// lines of two neighbouring blocks alternate, so the kernels that compute a pair of blocks at
// once (batched decoding) read one stream too, not two:
//   fp32: [pair][k][2 blocks][16]           float
//   bf16: [pair][k/2][2 blocks][16][2]      bf16 pairs (the operand layout of vdpbf16ps)
//   int8: [pair][k/4][2 blocks][16][4]      int8 quads (the operand layout of vpdpbusd),
//                                           symmetric per-output-channel scales
// The input dimension is zero-padded to a multiple of 2 (bf16) or 4 (int8); the outputs are
// zero-padded to a whole number of pairs. The layout does not depend on the ISA.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/weight_arena.h"

namespace speecht5::kernels {

enum class Precision { kFp32 = 0, kBf16 = 1, kInt8 = 2 };
std::string precision_name(Precision precision);
Precision parse_precision(const std::string& name);  // "fp32" | "bf16" | "int8"

inline constexpr int64_t kBlock = 16;
// One line: one step along the input for the 16 outputs of a block. A block's consecutive lines
// are two lines apart (its pair partner's line sits between them).
inline constexpr int64_t kLineBytes = 64;
template <typename T>
inline constexpr int64_t kLineElements = kLineBytes / static_cast<int64_t>(sizeof(T));
template <typename T>
inline constexpr int64_t kStepElements = 2 * kLineElements<T>;
// Inputs one line covers: 1 (fp32), 2 (bf16 pairs), 4 (int8 quads); a block has
// k_padded / kInputsPerLine lines.
template <typename T>
inline constexpr int64_t kInputsPerLine = kLineElements<T> / kBlock;

// Owning, 64-byte aligned, uninitialised storage for kernel data: from the heap, or carved
// from the huge-page weight arena (weight_arena.h) for data that is streamed every step.
// Copies share the storage (weights are immutable once packed).
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes);
  static AlignedBuffer for_weights(size_t bytes);
  static AlignedBuffer huge_pages(size_t bytes);
  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  template <typename T>
  T* as() {
    return static_cast<T*>(data());
  }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data());
  }

 private:
  static AlignedBuffer adopt(ArenaAllocation allocation, size_t bytes);

  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// Blocks rounded up to whole pairs: what the storage of `blocks` blocks holds.
inline int64_t stored_blocks(int64_t blocks) { return (blocks + 1) / 2 * 2; }

struct PackedWeights {
  Precision precision = Precision::kFp32;
  int64_t out = 0;       // output features
  int64_t in = 0;        // input features
  int64_t blocks = 0;    // ceil(out / 16); storage holds an even number (whole pairs)
  int64_t k_padded = 0;  // `in` rounded up to 1 / 2 / 4 elements
  AlignedBuffer data;
  AlignedBuffer scales;        // int8: float[stored outputs], w ≈ scale[o] · q[o,k]
  AlignedBuffer compensation;  // int8: int32[stored outputs] = 128 · Σ_k q[o,k] (for u8·s8 dot)
  int64_t weight_bytes() const { return static_cast<int64_t>(data.bytes()); }
  // Stored pairs of blocks: the items a product hands out to a team (Linear::forward_team).
  int64_t pairs() const { return stored_blocks(blocks) / 2; }
  // The first line of pair p (blocks 2p and 2p + 1), whatever the element type.
  const void* pair_lines(int64_t p) const {
    return data.as<char>() + p * (weight_bytes() / pairs());
  }
  // Line 0 of block b; line s is s · kStepElements<T> further on.
  template <typename T>
  const T* block_lines(int64_t b) const {
    return data.as<T>() + (b / 2) * 2 * k_padded * kBlock + (b % 2) * kLineElements<T>;
  }
};

// weight: row-major [out, in] float32 (PyTorch layout).
PackedWeights pack_weights(const float* weight, int64_t out, int64_t in, Precision precision);

// float32 → bfloat16, round to nearest even (NaN stays NaN).
uint16_t float_to_bf16(float value);
float bf16_to_float(uint16_t value);

// Activations for the reduced-precision kernels, ISA-independent so every ISA computes the same
// products. bf16: rows × k_padded, zero-padded. int8: symmetric per-row quantisation,
// q = round(x · 127 / max|x|) in [-127, 127], scale = max|x| / 127 (0 for an all-zero row).
void convert_rows_bf16(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                       uint16_t* out);
void quantize_rows_int8(const float* x, int64_t rows, int64_t in, int64_t ldx, int64_t k_padded,
                        int8_t* out, float* scales);

}  // namespace speecht5::kernels
