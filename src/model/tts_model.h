#pragma once
// The SpeechT5 text-to-spectrogram model (HF SpeechT5ForTextToSpeech) built on loaded weights:
// text encoder, speech decoder and post-net. Generation lives in runtime/generator.h.
#include <filesystem>

#include "io/tensor_store.h"
#include "model/config.h"
#include "model/postnet.h"
#include "model/speech_decoder.h"
#include "model/text_encoder.h"

namespace speecht5 {

class TtsModel {
 public:
  // Builds the model from `store`, which must fit `config` (checked tensor by tensor). Weight
  // tensors are shared with the store (memory-mapped files stay mapped while the model lives).
  // `precision` applies to the weight matmuls (kernels::Linear); fp32 matches the reference.
  TtsModel(const TtsConfig& config, const io::TensorStore& store,
           kernels::Precision precision = kernels::Precision::kFp32);

  // A model folder (config.json + model.safetensors or pytorch_model.bin), or a checkpoint file
  // with config.json beside it.
  static TtsModel load(const std::filesystem::path& path,
                       kernels::Precision precision = kernels::Precision::kFp32);

  const TtsConfig& config() const { return config_; }
  const TextEncoder& encoder() const { return encoder_; }
  const SpeechDecoder& decoder() const { return decoder_; }
  const Postnet& postnet() const { return postnet_; }

 private:
  TtsConfig config_;
  TextEncoder encoder_;
  SpeechDecoder decoder_;
  Postnet postnet_;
};

// The checkpoint file of a model folder: model.safetensors, else pytorch_model.bin.
std::filesystem::path find_checkpoint(const std::filesystem::path& folder);

}  // namespace speecht5
