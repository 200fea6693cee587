#include "io/speaker_embedding.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "io/mapped_file.h"
#include "io/npy.h"

namespace speecht5::io {

Tensor load_speaker_embedding(const std::filesystem::path& path, int64_t expected_dim) {
  const std::string where = path.string();
  const auto file = MappedFile::open(path);
  const bool is_npy = file->size() >= 6 && std::memcmp(file->data(), "\x93NUMPY", 6) == 0;
  Tensor embedding;
  if (is_npy) {
    const Tensor t = read_npy_f32(path);
    const bool fits = (t.rank() == 1 && t.dim(0) == expected_dim) ||
                      (t.rank() == 2 && t.dim(0) == 1 && t.dim(1) == expected_dim);
    if (!fits)
      fail(ErrorCode::kFormat,
           where + ": speaker embedding has shape " + shape_to_string(t.shape()) + ", expected (" +
               std::to_string(expected_dim) + ",) or (1, " + std::to_string(expected_dim) + ")");
    embedding = t.reshaped({expected_dim});
  } else {
    if (path.extension() == ".npy")
      fail(ErrorCode::kFormat, where + ": named .npy but has no \\x93NUMPY magic");
    const uint64_t expected_bytes = static_cast<uint64_t>(expected_dim) * sizeof(float);
    if (file->size() != expected_bytes)
      fail(ErrorCode::kFormat, where + ": raw float32 speaker embedding has " +
                                   std::to_string(file->size()) + " bytes, expected " +
                                   std::to_string(expected_bytes) + " (" +
                                   std::to_string(expected_dim) + " little-endian float32 values)");
    embedding = Tensor({expected_dim});
    std::memcpy(embedding.mutable_data(), file->data(), expected_bytes);
  }
  for (int64_t i = 0; i < expected_dim; ++i)
    if (!std::isfinite(embedding.data()[i]))
      fail(ErrorCode::kFormat,
           where + ": speaker embedding value " + std::to_string(i) + " is not finite");
  return embedding;
}

}  // namespace speecht5::io
