#pragma once
#include <cstdint>
#include <filesystem>

#include "core/tensor.h"

namespace speecht5::io {

// A speaker x-vector from a file: .npy (float32 or float64, shape (dim,) or (1, dim)) or raw
// little-endian float32 (any other file, e.g. .bin: exactly dim * 4 bytes). Returns a tensor
// of shape [dim]. Anything else, including non-finite values, is Error(kFormat) naming the
// file and the shape or size found.
Tensor load_speaker_embedding(const std::filesystem::path& path, int64_t expected_dim = 512);

}  // namespace speecht5::io
