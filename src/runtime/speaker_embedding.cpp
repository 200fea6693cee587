#include "runtime/speaker_embedding.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "runtime/voices.h"

namespace speecht5 {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, path + ": cannot open speaker embedding file");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Minimal .npy reader for a little-endian float vector (the x-vector files people save with
// numpy.save). TODO: switch to io/npy once published.
Tensor parse_npy_vector(const std::string& path, const std::string& blob, int64_t dim) {
  auto bad = [&](const std::string& why) -> Tensor {
    fail(ErrorCode::kFormat, path + ": not a usable .npy speaker embedding (" + why + ")");
  };
  if (blob.size() < 10 || blob.compare(0, 6, "\x93NUMPY") != 0) return bad("missing NUMPY magic");
  const int major = static_cast<unsigned char>(blob[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(blob[8]) | static_cast<unsigned char>(blob[9]) << 8;
    offset = 10;
  } else {
    if (blob.size() < 12) return bad("truncated header");
    uint32_t n;
    std::memcpy(&n, blob.data() + 8, 4);
    header_len = n;
    offset = 12;
  }
  if (offset + header_len > blob.size()) return bad("truncated header");
  const std::string header = blob.substr(offset, header_len);
  const size_t data = offset + header_len;
  if (header.find("'fortran_order': True") != std::string::npos) return bad("Fortran order");
  const bool f4 = header.find("'<f4'") != std::string::npos;
  const bool f8 = header.find("'<f8'") != std::string::npos;
  if (!f4 && !f8) return bad("dtype must be little-endian float32 or float64");
  const size_t item = f4 ? 4 : 8;
  if ((blob.size() - data) != static_cast<size_t>(dim) * item)
    return bad("expected " + std::to_string(dim) + " values, found " +
               std::to_string((blob.size() - data) / item));
  Tensor t({dim});
  for (int64_t i = 0; i < dim; ++i) {
    if (f4) {
      std::memcpy(t.mutable_data() + i, blob.data() + data + i * 4, 4);
    } else {
      double d;
      std::memcpy(&d, blob.data() + data + i * 8, 8);
      t.mutable_data()[i] = static_cast<float>(d);
    }
  }
  return t;
}

}  // namespace

Tensor load_speaker_embedding(const std::string& voice_or_file, int64_t dim) {
  if (const BuiltinVoice* voice = find_builtin_voice(voice_or_file)) {
    if (dim != kXVectorDim)
      fail(ErrorCode::kInvalidArgument, "built-in voice '" + voice_or_file + "' has " +
                                            std::to_string(kXVectorDim) +
                                            " values, the model needs " + std::to_string(dim));
    return Tensor::from_values(
        {dim}, std::vector<float>(voice->embedding.begin(), voice->embedding.end()));
  }
  if (!std::filesystem::is_regular_file(voice_or_file))
    fail(ErrorCode::kInvalidArgument,
         "speaker '" + voice_or_file + "' is neither a built-in voice nor a file");
  const std::string blob = read_file(voice_or_file);
  if (blob.compare(0, 6, "\x93NUMPY") == 0) return parse_npy_vector(voice_or_file, blob, dim);
  if (blob.size() != static_cast<size_t>(dim) * 4)
    fail(ErrorCode::kFormat, voice_or_file + ": raw speaker embedding must be " +
                                 std::to_string(dim) + " float32 values (" +
                                 std::to_string(dim * 4) + " bytes), found " +
                                 std::to_string(blob.size()) + " bytes");
  Tensor t({dim});
  std::memcpy(t.mutable_data(), blob.data(), blob.size());
  return t;
}

}  // namespace speecht5
