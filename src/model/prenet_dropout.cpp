#include "model/prenet_dropout.h"

#include "model/spec_rng.h"

namespace speecht5 {

bool prenet_keep(uint64_t seed, int64_t pos, int layer, int unit, int layers, int units, double p) {
  const uint64_t idx =
      (static_cast<uint64_t>(pos) * static_cast<uint64_t>(layers) + static_cast<uint64_t>(layer)) *
          static_cast<uint64_t>(units) +
      static_cast<uint64_t>(unit);
  return spec_rng::unit24(spec_rng::value(seed, idx)) < p;
}

void prenet_keep_row(uint64_t seed, int64_t pos, int layer, int layers, int units, double p,
                     uint8_t* keep) {
  for (int u = 0; u < units; ++u) keep[u] = prenet_keep(seed, pos, layer, u, layers, units, p);
}

float prenet_keep_divisor(double p) { return static_cast<float>(1.0 - p); }

}  // namespace speecht5
