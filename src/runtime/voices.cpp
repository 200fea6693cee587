#include "runtime/voices.h"

namespace speecht5 {

const std::vector<BuiltinVoice>& builtin_voices() {
  static const std::vector<BuiltinVoice> voices = {
#include "runtime/builtin_voices.inc"
  };
  return voices;
}

const BuiltinVoice* find_builtin_voice(std::string_view name) {
  for (const auto& voice : builtin_voices())
    if (name == voice.name) return &voice;
  return nullptr;
}

}  // namespace speecht5
