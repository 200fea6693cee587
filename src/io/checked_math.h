#pragma once
// Size arithmetic on untrusted checkpoint headers: a shape such as [2^40, 2^40] must be refused,
// not wrapped around into a small byte count that then passes the bounds checks.
#include <cstdint>
#include <optional>

#include "core/tensor.h"

namespace speecht5::io {

// numel(shape) * element_size, or nullopt when a dimension is negative or the product
// overflows (also capped so that it fits a signed 64-bit element count).
inline std::optional<uint64_t> checked_nbytes(const Shape& shape, uint64_t element_size) {
  uint64_t total = element_size;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (__builtin_mul_overflow(total, static_cast<uint64_t>(d), &total)) return std::nullopt;
  }
  if (total > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return total;
}

}  // namespace speecht5::io
