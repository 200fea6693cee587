#pragma once
// Turns an unpickled torch state dict into TensorStore records. Shared by the zip and the legacy
// readers, which differ only in where a storage's bytes live.
#include <functional>
#include <span>
#include <string>

#include "io/pickle.h"
#include "io/tensor_store.h"

namespace speecht5::io {

// The bytes of the storage named by `ref.key` (all `ref.root_numel` elements), for `tensor`.
using StorageBytes = std::function<std::span<const std::byte>(const pickle::StorageRef& ref,
                                                              const std::string& tensor)>;

// Adds every tensor of the top-level dict `root` to `store`, in dict order. Contiguous tensors
// are views into the storage bytes; strided ones are gathered into store-owned buffers.
// Entries that are not tensors are skipped (debug log). Throws Error(kFormat) naming the file
// and the tensor when offsets, sizes or strides reach outside the storage.
void add_state_dict(TensorStore& store, const pickle::Value& root,
                    const StorageBytes& storage_bytes, const std::string& where);

}  // namespace speecht5::io
