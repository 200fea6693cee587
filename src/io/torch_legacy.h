#pragma once
#include <memory>

#include "io/mapped_file.h"
#include "io/tensor_store.h"

namespace speecht5::io {

// Reads the legacy (pre-1.6, non-zip) torch.save format: four pickles in a row (magic number,
// protocol version, sys_info, the state dict with storages as persistent ids), then a pickled
// list of storage keys and each storage's raw bytes behind an 8-byte element count. Tensors
// are views of the mapping where their storage allows.
TensorStore read_torch_legacy(std::shared_ptr<const MappedFile> file);

}  // namespace speecht5::io
