#include "io/format_detect.h"

#include <cstring>

#include "core/error.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/torch_legacy.h"
#include "io/torch_zip.h"

namespace speecht5::io {

const char* format_name(CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::kSafetensors:
      return "safetensors";
    case CheckpointFormat::kTorchZip:
      return "torch-zip";
    case CheckpointFormat::kTorchLegacy:
      return "torch-legacy";
    case CheckpointFormat::kUnknown:
      break;
  }
  return "unknown";
}

CheckpointFormat detect_format(std::span<const std::byte> head) {
  auto starts_with = [&](std::initializer_list<unsigned char> prefix) {
    if (head.size() < prefix.size()) return false;
    size_t i = 0;
    for (unsigned char c : prefix)
      if (static_cast<unsigned char>(head[i++]) != c) return false;
    return true;
  };
  if (starts_with({'P', 'K', 3, 4}) || starts_with({'P', 'K', 5, 6}))
    return CheckpointFormat::kTorchZip;
  // PROTO 2, LONG1 of 10 bytes: the legacy magic number 0x1950a86a20f9469cfc6c.
  if (starts_with(
          {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}))
    return CheckpointFormat::kTorchLegacy;
  if (head.size() >= 9 && static_cast<char>(head[8]) == '{') return CheckpointFormat::kSafetensors;
  return CheckpointFormat::kUnknown;
}

TensorStore open_checkpoint_file(const std::filesystem::path& path_or_folder) {
  const std::filesystem::path path = find_checkpoint_file(path_or_folder);
  auto file = MappedFile::open(path);
  switch (detect_format(file->bytes())) {
    case CheckpointFormat::kTorchZip:
      return read_torch_zip(file);
    case CheckpointFormat::kTorchLegacy:
      return read_torch_legacy(file);
    case CheckpointFormat::kSafetensors:
      return read_safetensors(file);
    case CheckpointFormat::kUnknown:
      break;
  }
  // Short files are most likely truncated safetensors: let that reader say why precisely.
  if (file->size() < 9) return read_safetensors(file);
  if (static_cast<unsigned char>(file->data()[0]) == 0x80)
    fail(ErrorCode::kFormat, path.string() +
                                 ": a pickle file that is not a torch.save checkpoint (no torch "
                                 "magic number)");
  fail(ErrorCode::kFormat, path.string() +
                               ": not a recognised checkpoint (expected safetensors, a PyTorch zip "
                               "archive or a legacy PyTorch file)");
}

std::filesystem::path find_checkpoint_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    if (!std::filesystem::exists(path, ec))
      fail(ErrorCode::kIo, path.string() + ": no such file or folder");
    return path;
  }
  for (const char* name : {"model.safetensors", "pytorch_model.bin"}) {
    const auto candidate = path / name;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  fail(ErrorCode::kIo,
       path.string() + ": model folder has neither model.safetensors nor pytorch_model.bin");
}

}  // namespace speecht5::io
