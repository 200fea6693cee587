#pragma once
// The fields of the Hugging Face configs that the engine uses, with the reference defaults
// (SpeechT5Config(), SpeechT5HifiGanConfig()) for any field a config.json leaves out.
#include <filesystem>
#include <string>
#include <vector>

namespace speecht5 {

struct TtsConfig {
  int vocab_size = 81;
  int hidden_size = 768;
  int encoder_layers = 12;
  int encoder_attention_heads = 12;
  int encoder_ffn_dim = 3072;
  int decoder_layers = 6;
  int decoder_attention_heads = 12;
  int decoder_ffn_dim = 3072;
  int encoder_max_relative_position = 160;
  int max_text_positions = 450;
  int max_speech_positions = 4000;
  int num_mel_bins = 80;
  int reduction_factor = 2;
  int speaker_embedding_dim = 512;
  int speech_decoder_prenet_layers = 2;
  int speech_decoder_prenet_units = 256;
  float speech_decoder_prenet_dropout = 0.5f;
  int speech_decoder_postnet_layers = 5;
  int speech_decoder_postnet_units = 256;
  int speech_decoder_postnet_kernel = 5;
  float layer_norm_eps = 1e-5f;
  std::string hidden_act = "gelu";
  int pad_token_id = 1;
  int bos_token_id = 0;
  int eos_token_id = 2;

  // Throws Error(kModel) describing the first inconsistent field.
  void validate() const;
};

struct HifiGanConfig {
  int model_in_dim = 80;
  int sampling_rate = 16000;
  int upsample_initial_channel = 512;
  std::vector<int> upsample_rates = {4, 4, 4, 4};
  std::vector<int> upsample_kernel_sizes = {8, 8, 8, 8};
  std::vector<int> resblock_kernel_sizes = {3, 7, 11};
  std::vector<std::vector<int>> resblock_dilation_sizes = {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}};
  float leaky_relu_slope = 0.1f;
  bool normalize_before = true;

  int samples_per_frame() const;
  void validate() const;
};

// Read config.json (a file, or a folder holding one). Unknown fields are ignored; a field of the
// wrong JSON type is an error naming the field and the file.
TtsConfig load_tts_config(const std::filesystem::path& path);
HifiGanConfig load_hifigan_config(const std::filesystem::path& path);

}  // namespace speecht5
