// `speecht5 inspect PATH`: what a checkpoint file or model folder holds (format, tensors,
// dtypes, parameter count, config summary), without loading a model.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/error.h"
#include "io/format_detect.h"
#include "io/tensor_store.h"
#include "model/config.h"

namespace speecht5::cli {
namespace {

struct InspectOptions {
  std::string path;
  bool json = false;
  bool list = false;
  bool check = false;
};

// Reads every value (so all weights are paged in) and names the tensors holding NaN or Inf.
std::string check_values(const io::TensorStore& store, uint64_t& non_finite_total) {
  std::string problems;
  for (const auto& rec : store.tensors()) {
    if (rec.dtype != io::DType::kF32 && rec.dtype != io::DType::kF16 &&
        rec.dtype != io::DType::kBF16 && rec.dtype != io::DType::kF64) {
      (void)store.get_i64(rec.name);
      continue;
    }
    const Tensor t = store.get_f32(rec.name);
    // An all-ones exponent is Inf or NaN; integer compares vectorise, std::isfinite does not.
    const auto* bits = reinterpret_cast<const uint32_t*>(t.data());
    uint64_t bad = 0;
    for (int64_t i = 0; i < t.numel(); ++i) bad += (bits[i] & 0x7f800000u) == 0x7f800000u;
    if (bad > 0) {
      non_finite_total += bad;
      if (problems.size() < 400)
        problems += (problems.empty() ? "" : ", ") + rec.name + " (" + std::to_string(bad) + ")";
    }
  }
  return problems;
}

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string join(const std::vector<int>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

// The model_type of config.json ("speecht5", "hifigan") and a one-line summary plus its
// fields as JSON. Returns false when there is no config.json.
bool summarise_config(const std::filesystem::path& file, std::string& summary,
                      nlohmann::json& json) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return false;
  std::ifstream in(file);
  const nlohmann::json raw = nlohmann::json::parse(in, nullptr, false);
  if (raw.is_discarded() || !raw.is_object())
    fail(ErrorCode::kFormat, file.string() + ": not a JSON object");
  const std::string model_type = raw.value("model_type", std::string());
  json["file"] = file.string();
  json["model_type"] = model_type;
  if (model_type == "speecht5") {
    const TtsConfig c = load_tts_config(file);
    summary = "SpeechT5 text-to-speech: hidden " + std::to_string(c.hidden_size) + ", encoder " +
              std::to_string(c.encoder_layers) + " layers x " +
              std::to_string(c.encoder_attention_heads) + " heads (FFN " +
              std::to_string(c.encoder_ffn_dim) + "), decoder " + std::to_string(c.decoder_layers) +
              " layers x " + std::to_string(c.decoder_attention_heads) + " heads (FFN " +
              std::to_string(c.decoder_ffn_dim) + "), vocab " + std::to_string(c.vocab_size) +
              ", " + std::to_string(c.num_mel_bins) + " mel bins, reduction factor " +
              std::to_string(c.reduction_factor) + ", speaker embedding " +
              std::to_string(c.speaker_embedding_dim);
    json["hidden_size"] = c.hidden_size;
    json["encoder_layers"] = c.encoder_layers;
    json["encoder_attention_heads"] = c.encoder_attention_heads;
    json["encoder_ffn_dim"] = c.encoder_ffn_dim;
    json["decoder_layers"] = c.decoder_layers;
    json["decoder_attention_heads"] = c.decoder_attention_heads;
    json["decoder_ffn_dim"] = c.decoder_ffn_dim;
    json["vocab_size"] = c.vocab_size;
    json["num_mel_bins"] = c.num_mel_bins;
    json["reduction_factor"] = c.reduction_factor;
    json["speaker_embedding_dim"] = c.speaker_embedding_dim;
  } else if (model_type == "hifigan") {
    const HifiGanConfig c = load_hifigan_config(file);
    summary = "HiFi-GAN vocoder: " + std::to_string(c.model_in_dim) + " mel bins in, " +
              std::to_string(c.sampling_rate) + " Hz, upsample rates " + join(c.upsample_rates) +
              " (" + std::to_string(c.samples_per_frame()) + " samples/frame), initial channels " +
              std::to_string(c.upsample_initial_channel) + ", resblock kernels " +
              join(c.resblock_kernel_sizes);
    json["model_in_dim"] = c.model_in_dim;
    json["sampling_rate"] = c.sampling_rate;
    json["upsample_rates"] = c.upsample_rates;
    json["upsample_initial_channel"] = c.upsample_initial_channel;
    json["samples_per_frame"] = c.samples_per_frame();
  } else {
    summary = "unknown model_type '" + model_type + "'";
  }
  return true;
}

int run_inspect(const InspectOptions& opt) {
  const std::filesystem::path input(opt.path);
  const std::filesystem::path file = io::find_checkpoint_file(input);
  const io::TensorStore store = io::TensorStore::open(file);

  std::map<std::string, size_t> dtypes;
  uint64_t parameters = 0, bytes = 0;
  for (const auto& rec : store.tensors()) {
    ++dtypes[io::dtype_name(rec.dtype)];
    parameters += static_cast<uint64_t>(shape_numel(rec.shape));
    bytes += rec.nbytes;
  }
  const auto config_path =
      (std::filesystem::is_directory(input) ? input : file.parent_path()) / "config.json";
  std::string config_summary;
  nlohmann::json config_json;
  const bool has_config = summarise_config(config_path, config_summary, config_json);
  uint64_t non_finite = 0;
  const std::string problems = opt.check ? check_values(store, non_finite) : std::string();

  if (opt.json) {
    nlohmann::json out;
    out["path"] = file.string();
    out["format"] = store.format();
    out["tensors"] = store.tensors().size();
    out["dtypes"] = dtypes;
    out["parameters"] = parameters;
    out["tensor_bytes"] = bytes;
    if (has_config) out["config"] = config_json;
    if (opt.check) out["non_finite_values"] = non_finite;
    if (opt.list) {
      auto& list = out["tensor_list"] = nlohmann::json::array();
      for (const auto& rec : store.tensors())
        list.push_back(
            {{"name", rec.name}, {"dtype", io::dtype_name(rec.dtype)}, {"shape", rec.shape}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return non_finite == 0 ? 0 : 1;
  }
  std::string dtype_text;
  for (const auto& [name, count] : dtypes)
    dtype_text += (dtype_text.empty() ? "" : ", ") + name + " " + std::to_string(count);
  std::printf("path:       %s\n", file.string().c_str());
  std::printf("format:     %s\n", store.format().c_str());
  std::printf("tensors:    %zu\n", store.tensors().size());
  std::printf("dtypes:     %s\n", dtype_text.c_str());
  std::printf("parameters: %s\n", with_commas(parameters).c_str());
  std::printf("bytes:      %s\n", with_commas(bytes).c_str());
  if (has_config) std::printf("config:     %s\n", config_summary.c_str());
  if (opt.check) {
    if (non_finite == 0) {
      std::printf("check:      all %s values finite\n", with_commas(parameters).c_str());
    } else {
      std::printf("check:      %s non-finite values in %s\n", with_commas(non_finite).c_str(),
                  problems.c_str());
    }
  }
  if (opt.list)
    for (const auto& rec : store.tensors())
      std::printf("  %-70s %-5s %s\n", rec.name.c_str(), io::dtype_name(rec.dtype),
                  shape_to_string(rec.shape).c_str());
  return non_finite == 0 ? 0 : 1;
}

RegisterCommand inspect_command(
    "inspect", "Describe a checkpoint file or model folder (format, tensors, dtypes, config)",
    [](CLI::App& sub) -> CommandRun {
      auto opt = std::make_shared<InspectOptions>();
      sub.add_option("path", opt->path,
                     "checkpoint file (.safetensors, pytorch_model.bin) or model folder")
          ->required();
      sub.add_flag("--json", opt->json, "print the summary as JSON");
      sub.add_flag("--tensors", opt->list, "also list every tensor with its dtype and shape");
      sub.add_flag("--check", opt->check,
                   "read every value and fail (exit 1) if any weight is NaN or infinite");
      return [opt] { return run_inspect(*opt); };
    });

}  // namespace
}  // namespace speecht5::cli
