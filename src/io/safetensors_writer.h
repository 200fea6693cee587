#pragma once
// Writes safetensors files the way shared/tools/random_checkpoint.py does (spec
// random-weights.md §6): tensors in sorted name order, data contiguous in that order, the
// compact JSON header padded with spaces to a multiple of 8 bytes, "__metadata__" last.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "io/tensor_store.h"

namespace speecht5::io {

// The header JSON (without its length prefix or padding) for `records` written in sorted order.
std::string safetensors_header(const std::vector<TensorRecord>& records,
                               const std::map<std::string, std::string>& metadata);

// Writes `records` (any order; written sorted by name) to `path`. The file appears complete or
// not at all (written to a temporary name, then renamed). Throws Error(kIo) naming the path.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorRecord>& records,
                       const std::map<std::string, std::string>& metadata);
// Every tensor of `store`, with the store's metadata.
void write_safetensors(const std::filesystem::path& path, const TensorStore& store);

}  // namespace speecht5::io
