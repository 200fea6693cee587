#include "runtime/speaker_embedding.h"

#include <filesystem>
#include <vector>

#include "core/error.h"
#include "io/speaker_embedding.h"
#include "runtime/voices.h"

namespace speecht5 {

Tensor resolve_speaker(const std::string& voice_or_file, int64_t dim) {
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
  return io::load_speaker_embedding(voice_or_file, dim);
}

}  // namespace speecht5
