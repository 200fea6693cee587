#include "model/config_writer.h"

#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace speecht5 {
namespace {

// The double a Python config would hold for this float field: the shortest decimal that
// round-trips the float (1e-05, not 9.99999974737875e-06).
double float_field(float value) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, value);
  double out = 0.0;
  std::from_chars(buf, res.ptr, out);
  return out;
}

}  // namespace

std::string tts_config_json(const TtsConfig& c) {
  // nlohmann::json sorts keys like Python's sorted(); fields not in TtsConfig keep HF defaults.
  nlohmann::json j = {
      {"activation_dropout", 0.1},
      {"apply_spec_augment", true},
      {"architectures", nlohmann::json::array({"SpeechT5ForTextToSpeech"})},
      {"attention_dropout", 0.1},
      {"bos_token_id", c.bos_token_id},
      {"conv_bias", false},
      {"conv_dim", {512, 512, 512, 512, 512, 512, 512}},
      {"conv_kernel", {10, 3, 3, 3, 3, 2, 2}},
      {"conv_stride", {5, 2, 2, 2, 2, 2, 2}},
      {"decoder_attention_heads", c.decoder_attention_heads},
      {"decoder_ffn_dim", c.decoder_ffn_dim},
      {"decoder_layerdrop", 0.1},
      {"decoder_layers", c.decoder_layers},
      {"decoder_start_token_id", 2},
      {"encoder_attention_heads", c.encoder_attention_heads},
      {"encoder_ffn_dim", c.encoder_ffn_dim},
      {"encoder_layerdrop", 0.1},
      {"encoder_layers", c.encoder_layers},
      {"encoder_max_relative_position", c.encoder_max_relative_position},
      {"eos_token_id", c.eos_token_id},
      {"feat_extract_activation", "gelu"},
      {"feat_extract_norm", "group"},
      {"feat_proj_dropout", 0.0},
      {"guided_attention_loss_num_heads", 2},
      {"guided_attention_loss_scale", 10.0},
      {"guided_attention_loss_sigma", 0.4},
      {"hidden_act", c.hidden_act},
      {"hidden_dropout", 0.1},
      {"hidden_size", c.hidden_size},
      {"initializer_range", 0.02},
      {"is_encoder_decoder", true},
      {"layer_norm_eps", float_field(c.layer_norm_eps)},
      {"mask_feature_length", 10},
      {"mask_feature_min_masks", 0},
      {"mask_feature_prob", 0.0},
      {"mask_time_length", 10},
      {"mask_time_min_masks", 2},
      {"mask_time_prob", 0.05},
      {"max_speech_positions", c.max_speech_positions},
      {"max_text_positions", c.max_text_positions},
      {"model_type", "speecht5"},
      {"num_conv_pos_embedding_groups", 16},
      {"num_conv_pos_embeddings", 128},
      {"num_mel_bins", c.num_mel_bins},
      {"pad_token_id", c.pad_token_id},
      {"positional_dropout", 0.1},
      {"reduction_factor", c.reduction_factor},
      {"scale_embedding", false},
      {"speaker_embedding_dim", c.speaker_embedding_dim},
      {"speech_decoder_postnet_dropout", 0.5},
      {"speech_decoder_postnet_kernel", c.speech_decoder_postnet_kernel},
      {"speech_decoder_postnet_layers", c.speech_decoder_postnet_layers},
      {"speech_decoder_postnet_units", c.speech_decoder_postnet_units},
      {"speech_decoder_prenet_dropout", float_field(c.speech_decoder_prenet_dropout)},
      {"speech_decoder_prenet_layers", c.speech_decoder_prenet_layers},
      {"speech_decoder_prenet_units", c.speech_decoder_prenet_units},
      {"torch_dtype", "float32"},
      {"use_cache", true},
      {"use_guided_attention_loss", true},
      {"vocab_size", c.vocab_size},
  };
  return j.dump(2) + "\n";
}

std::string hifigan_config_json(const HifiGanConfig& c) {
  nlohmann::json j = {
      {"architectures", nlohmann::json::array({"SpeechT5HifiGan"})},
      {"initializer_range", 0.01},
      {"leaky_relu_slope", float_field(c.leaky_relu_slope)},
      {"model_in_dim", c.model_in_dim},
      {"model_type", "hifigan"},
      {"normalize_before", c.normalize_before},
      {"resblock_dilation_sizes", c.resblock_dilation_sizes},
      {"resblock_kernel_sizes", c.resblock_kernel_sizes},
      {"sampling_rate", c.sampling_rate},
      {"torch_dtype", "float32"},
      {"upsample_initial_channel", c.upsample_initial_channel},
      {"upsample_kernel_sizes", c.upsample_kernel_sizes},
      {"upsample_rates", c.upsample_rates},
  };
  return j.dump(2) + "\n";
}

void write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(ErrorCode::kIo, path.string() + ": cannot open for writing");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  if (!out) fail(ErrorCode::kIo, path.string() + ": write failed");
}

}  // namespace speecht5
