#pragma once
// Speaker x-vectors for synthesis: a built-in voice name ("slt") or a file with `dim` float
// values (.npy float32/float64 of shape [dim] or [1, dim], or raw little-endian float32 .bin).
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace speecht5 {

// Returns [dim]. Throws Error(kInvalidArgument / kIo / kFormat) naming the voice or file.
Tensor load_speaker_embedding(const std::string& voice_or_file, int64_t dim);

}  // namespace speecht5
