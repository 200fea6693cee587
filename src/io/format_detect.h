#pragma once
#include <filesystem>
#include <span>
#include <string>

#include "io/tensor_store.h"

namespace speecht5::io {

enum class CheckpointFormat { kSafetensors, kTorchZip, kTorchLegacy, kUnknown };

const char* format_name(CheckpointFormat format);

// Recognises a checkpoint from its first bytes, not its name: a zip ("PK\3\4") is a torch.save
// archive, a protocol-2 pickle starting with torch's magic number is the legacy format, an
// 8-byte length followed by '{' is safetensors.
CheckpointFormat detect_format(std::span<const std::byte> head);

// Reads a checkpoint file (or the checkpoint of a model folder, see find_checkpoint_file) with
// the reader its bytes call for. Throws Error(kFormat) naming the file when it is none of the
// supported formats.
TensorStore open_checkpoint_file(const std::filesystem::path& path_or_folder);

// The weights file of a Hugging Face model folder: model.safetensors if present, else
// pytorch_model.bin. A path that is a file is returned unchanged. Throws Error(kIo) naming the
// folder and the names tried when there is none.
std::filesystem::path find_checkpoint_file(const std::filesystem::path& path);

}  // namespace speecht5::io
