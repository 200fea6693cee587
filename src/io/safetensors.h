#pragma once
#include <memory>

#include "io/mapped_file.h"
#include "io/tensor_store.h"

namespace speecht5::io {

// Parses a safetensors file; tensors are views into the mapping.
TensorStore read_safetensors(std::shared_ptr<const MappedFile> file);

}  // namespace speecht5::io
