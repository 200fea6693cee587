#pragma once
#include <memory>

#include "io/mapped_file.h"
#include "io/tensor_store.h"

namespace speecht5::io {

// Reads a torch.save zip archive (the format of `pytorch_model.bin` since torch 1.6): the
// state dict pickle `<folder>/data.pkl` through the restricted pickle reader, tensor bytes from
// the entries `<folder>/data/<key>`. Stored entries are views of the mapping; compressed
// ones are inflated into store-owned buffers.
TensorStore read_torch_zip(std::shared_ptr<const MappedFile> file);

}  // namespace speecht5::io
