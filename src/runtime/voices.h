#pragma once
// The six CMU ARCTIC x-vectors shipped with the binary, selectable by name.
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace speecht5 {

inline constexpr int kXVectorDim = 512;
inline constexpr std::string_view kDefaultVoice = "slt";

struct BuiltinVoice {
  const char* name;         // "slt"
  const char* description;  // "female, US English (default)"
  const char* source;       // the CMU ARCTIC utterance the x-vector was computed from
  std::array<float, kXVectorDim> embedding;
};

const std::vector<BuiltinVoice>& builtin_voices();
// nullptr when there is no voice of that name.
const BuiltinVoice* find_builtin_voice(std::string_view name);

}  // namespace speecht5
