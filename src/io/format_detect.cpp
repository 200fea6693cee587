#include "io/format_detect.h"

#include "core/error.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"

namespace speecht5::io {

TensorStore open_checkpoint_file(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  // TODO(io): torch zip ("PK\x03\x04") and legacy torch pickle (0x80 0x02 magic number).
  return read_safetensors(file);
}

}  // namespace speecht5::io
