#include "model/positional_encoding.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace speecht5 {

void sinusoid_row(int64_t pos, int64_t dim, float* out) { sinusoid_columns(pos, dim, 0, dim, out); }

void sinusoid_columns(int64_t pos, int64_t dim, int64_t begin, int64_t end, float* out) {
  // torch: arange(0, dim, 2).float() * -(math.log(10000.0) / dim): the Python double scalar is
  // rounded to float32 before the float32 multiply; exp, the position product and sin/cos too.
  const float factor = static_cast<float>(-(std::log(10000.0) / static_cast<double>(dim)));
  const float position = static_cast<float>(pos);
  for (int64_t i = begin / 2 * 2; i + 1 < std::min(end + 1, dim); i += 2) {
    const float div = std::exp(static_cast<float>(i) * factor);
    const float angle = position * div;
    if (i >= begin) out[i] = std::sin(angle);
    if (i + 1 < end) out[i + 1] = std::cos(angle);
  }
}

void add_scaled_sinusoid(int64_t pos, int64_t dim, float alpha, float* out) {
  thread_local std::vector<float> row;
  row.resize(dim);
  sinusoid_row(pos, dim, row.data());
  for (int64_t d = 0; d < dim; ++d) out[d] += alpha * row[d];
}

}  // namespace speecht5
