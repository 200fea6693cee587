#include "model/tts_model.h"

#include "core/error.h"
#include "model/state_layout.h"
#include "model/weight_reader.h"

namespace speecht5 {

namespace {

// Validates the config and the whole checkpoint layout up front, so a wrong checkpoint fails
// with the first missing / mis-shaped tensor named, before any weight is repacked.
const TtsConfig& checked(const TtsConfig& config, const io::TensorStore& store) {
  config.validate();
  check_state_layout(store, tts_state_layout(config), "SpeechT5 TTS");
  return config;
}

}  // namespace

TtsModel::TtsModel(const TtsConfig& config, const io::TensorStore& store,
                   kernels::Precision precision)
    : config_(checked(config, store)),
      encoder_(config_, WeightReader(store, precision)),
      decoder_(config_, WeightReader(store, precision)),
      postnet_(store, config_) {}

std::filesystem::path find_checkpoint(const std::filesystem::path& folder) {
  for (const char* name : {"model.safetensors", "pytorch_model.bin"}) {
    const auto file = folder / name;
    if (std::filesystem::is_regular_file(file)) return file;
  }
  fail(ErrorCode::kIo,
       folder.string() + ": no model.safetensors or pytorch_model.bin in the model folder");
}

TtsModel TtsModel::load(const std::filesystem::path& path, kernels::Precision precision) {
  if (!std::filesystem::exists(path))
    fail(ErrorCode::kIo, path.string() + ": model path does not exist");
  const bool is_dir = std::filesystem::is_directory(path);
  auto folder = is_dir ? path : path.parent_path();
  if (folder.empty()) folder = ".";
  const auto checkpoint = is_dir ? find_checkpoint(path) : path;
  const TtsConfig config = load_tts_config(folder);
  const io::TensorStore store = io::TensorStore::open(checkpoint);
  TtsModel model(config, store, precision);
  store.release_mapped_pages();
  return model;
}

}  // namespace speecht5
