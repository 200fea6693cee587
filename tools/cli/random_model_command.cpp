// `speecht5 random-model`: writes a deterministic spec checkpoint (random-weights-v1) as
// config.json + model.safetensors, so full-size runs need no download.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command.h"
#include "core/error.h"
#include "io/safetensors_writer.h"
#include "model/config_writer.h"
#include "model/random_weights.h"

namespace speecht5::cli {
namespace {

struct RandomModelOptions {
  std::string out;
  std::string model = "tts";
  std::string preset = "full";
  uint64_t seed = kDefaultRandomSeed;
};

int run_random_model(const RandomModelOptions& opt) {
  const auto start = std::chrono::steady_clock::now();
  const std::filesystem::path dir(opt.out);
  std::string config_text;
  io::TensorStore store = [&] {
    if (opt.model == "tts") {
      const TtsConfig config = tts_preset(opt.preset);
      config_text = tts_config_json(config);
      return make_random_store(config, opt.seed);
    }
    const HifiGanConfig config = hifigan_preset(opt.preset);
    config_text = hifigan_config_json(config);
    return make_random_store(config, opt.seed);
  }();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    fail(ErrorCode::kIo, dir.string() + ": cannot create output folder" +
                             (ec ? ": " + ec.message() : std::string()));
  io::write_safetensors(dir / "model.safetensors", store);
  write_text_file(dir / "config.json", config_text);
  int64_t elements = 0;
  for (const auto& rec : store.tensors()) elements += shape_numel(rec.shape);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s/%s seed %llu: %zu tensors, %lld elements -> %s (%.2f s)\n",
               opt.model.c_str(), opt.preset.c_str(), static_cast<unsigned long long>(opt.seed),
               store.tensors().size(), static_cast<long long>(elements), dir.string().c_str(),
               seconds);
  return 0;
}

const RegisterCommand kRandomModel(
    "random-model",
    "Write a deterministic random checkpoint (spec random-weights-v1): config.json + "
    "model.safetensors",
    [](CLI::App& sub) -> CommandRun {
      auto opt = std::make_shared<RandomModelOptions>();
      sub.add_option("--out", opt->out, "Output folder (created if missing)")->required();
      sub.add_option("--model", opt->model, "tts or hifigan")
          ->check(CLI::IsMember({"tts", "hifigan"}))
          ->capture_default_str();
      sub.add_option("--preset", opt->preset, "full (HF defaults) or tiny")
          ->check(CLI::IsMember({"full", "tiny"}))
          ->capture_default_str();
      sub.add_option("--seed", opt->seed, "Global seed")->capture_default_str();
      return [opt] { return run_random_model(*opt); };
    });

}  // namespace
}  // namespace speecht5::cli
