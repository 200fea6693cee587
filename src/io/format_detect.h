#pragma once
#include <filesystem>

#include "io/tensor_store.h"

namespace speecht5::io {

// Reads a checkpoint file, choosing the reader from the file's first bytes.
TensorStore open_checkpoint_file(const std::filesystem::path& path);

}  // namespace speecht5::io
