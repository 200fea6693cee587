#include "model/config.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace speecht5 {
namespace {

std::filesystem::path config_file(const std::filesystem::path& path) {
  return std::filesystem::is_directory(path) ? path / "config.json" : path;
}

nlohmann::json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) fail(ErrorCode::kIo, file.string() + ": cannot open config");
  nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    fail(ErrorCode::kFormat, file.string() + ": not a JSON object");
  return json;
}

template <typename T>
void read_field(const nlohmann::json& json, const char* key, T& value,
                const std::filesystem::path& file) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return;
  try {
    value = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(ErrorCode::kFormat, file.string() + ": field '" + key + "' has the wrong type");
  }
}

void require(bool ok, const std::string& what) {
  if (!ok) fail(ErrorCode::kModel, "invalid config: " + what);
}

}  // namespace

void TtsConfig::validate() const {
  require(vocab_size > 0, "vocab_size must be positive");
  require(hidden_size > 0, "hidden_size must be positive");
  require(encoder_attention_heads > 0 && hidden_size % encoder_attention_heads == 0,
          "hidden_size must be divisible by encoder_attention_heads");
  require(decoder_attention_heads > 0 && hidden_size % decoder_attention_heads == 0,
          "hidden_size must be divisible by decoder_attention_heads");
  require(encoder_layers >= 0 && decoder_layers >= 0, "layer counts must not be negative");
  require(encoder_ffn_dim > 0 && decoder_ffn_dim > 0, "FFN dims must be positive");
  require(num_mel_bins > 0 && reduction_factor > 0,
          "num_mel_bins and reduction_factor must be positive");
  require(speaker_embedding_dim > 0, "speaker_embedding_dim must be positive");
  require(max_text_positions > 0 && max_speech_positions > 0, "max positions must be positive");
  require(encoder_max_relative_position > 0, "encoder_max_relative_position must be positive");
  require(speech_decoder_prenet_layers >= 1 && speech_decoder_prenet_units > 0, "bad prenet size");
  require(speech_decoder_prenet_dropout >= 0 && speech_decoder_prenet_dropout < 1,
          "speech_decoder_prenet_dropout must be in [0, 1)");
  require(speech_decoder_postnet_layers >= 1 && speech_decoder_postnet_units > 0 &&
              speech_decoder_postnet_kernel % 2 == 1,
          "bad postnet size (kernel must be odd)");
  require(hidden_act == "gelu", "only hidden_act = gelu is supported, found '" + hidden_act + "'");
}

int HifiGanConfig::samples_per_frame() const {
  int n = 1;
  for (int r : upsample_rates) n *= r;
  return n;
}

void HifiGanConfig::validate() const {
  require(model_in_dim > 0 && upsample_initial_channel > 0, "bad HiFi-GAN sizes");
  require(!upsample_rates.empty() && upsample_rates.size() == upsample_kernel_sizes.size(),
          "upsample_rates and upsample_kernel_sizes must have the same length");
  require(!resblock_kernel_sizes.empty() &&
              resblock_kernel_sizes.size() == resblock_dilation_sizes.size(),
          "resblock_kernel_sizes and resblock_dilation_sizes must have the same length");
  for (int r : upsample_rates) require(r > 0, "upsample rates must be positive");
  require(upsample_initial_channel >> upsample_rates.size() > 0,
          "upsample_initial_channel too small for the number of upsampling stages");
}

TtsConfig load_tts_config(const std::filesystem::path& path) {
  const auto file = config_file(path);
  const auto json = read_json(file);
  TtsConfig c;
#define SPEECHT5_FIELD(name) read_field(json, #name, c.name, file)
  SPEECHT5_FIELD(vocab_size);
  SPEECHT5_FIELD(hidden_size);
  SPEECHT5_FIELD(encoder_layers);
  SPEECHT5_FIELD(encoder_attention_heads);
  SPEECHT5_FIELD(encoder_ffn_dim);
  SPEECHT5_FIELD(decoder_layers);
  SPEECHT5_FIELD(decoder_attention_heads);
  SPEECHT5_FIELD(decoder_ffn_dim);
  SPEECHT5_FIELD(encoder_max_relative_position);
  SPEECHT5_FIELD(max_text_positions);
  SPEECHT5_FIELD(max_speech_positions);
  SPEECHT5_FIELD(num_mel_bins);
  SPEECHT5_FIELD(reduction_factor);
  SPEECHT5_FIELD(speaker_embedding_dim);
  SPEECHT5_FIELD(speech_decoder_prenet_layers);
  SPEECHT5_FIELD(speech_decoder_prenet_units);
  SPEECHT5_FIELD(speech_decoder_prenet_dropout);
  SPEECHT5_FIELD(speech_decoder_postnet_layers);
  SPEECHT5_FIELD(speech_decoder_postnet_units);
  SPEECHT5_FIELD(speech_decoder_postnet_kernel);
  SPEECHT5_FIELD(layer_norm_eps);
  SPEECHT5_FIELD(hidden_act);
  SPEECHT5_FIELD(pad_token_id);
  SPEECHT5_FIELD(bos_token_id);
  SPEECHT5_FIELD(eos_token_id);
#undef SPEECHT5_FIELD
  c.validate();
  return c;
}

HifiGanConfig load_hifigan_config(const std::filesystem::path& path) {
  const auto file = config_file(path);
  const auto json = read_json(file);
  HifiGanConfig c;
#define SPEECHT5_FIELD(name) read_field(json, #name, c.name, file)
  SPEECHT5_FIELD(model_in_dim);
  SPEECHT5_FIELD(sampling_rate);
  SPEECHT5_FIELD(upsample_initial_channel);
  SPEECHT5_FIELD(upsample_rates);
  SPEECHT5_FIELD(upsample_kernel_sizes);
  SPEECHT5_FIELD(resblock_kernel_sizes);
  SPEECHT5_FIELD(resblock_dilation_sizes);
  SPEECHT5_FIELD(leaky_relu_slope);
  SPEECHT5_FIELD(normalize_before);
#undef SPEECHT5_FIELD
  c.validate();
  return c;
}

}  // namespace speecht5
