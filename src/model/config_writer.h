#pragma once
// HF-style config.json for both models, as random_checkpoint.py writes it: `architectures`,
// `model_type`, every SpeechT5Config / SpeechT5HifiGanConfig field (those the engine does not
// model keep their HF defaults), `torch_dtype`, keys sorted, 2-space indent, final newline.
#include <filesystem>
#include <string>

#include "model/config.h"

namespace speecht5 {

std::string tts_config_json(const TtsConfig& config);
std::string hifigan_config_json(const HifiGanConfig& config);

// Writes `text` to `path`; throws Error(kIo) naming the path.
void write_text_file(const std::filesystem::path& path, const std::string& text);

}  // namespace speecht5
