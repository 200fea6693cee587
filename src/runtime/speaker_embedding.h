#pragma once
// The speaker x-vector a user asks for: a built-in voice name ("slt") or a file
// (io::load_speaker_embedding: .npy float32/float64 [dim] or [1, dim], raw float32 .bin).
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace speecht5 {

// Returns [dim]. Throws Error(kInvalidArgument / kIo / kFormat) naming the voice or file.
Tensor resolve_speaker(const std::string& voice_or_file, int64_t dim);

}  // namespace speecht5
