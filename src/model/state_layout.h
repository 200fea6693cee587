#pragma once
// The one table from model role to checkpoint key (llama.cpp style: a module-prefix template
// per role, %d for layer / block indices, the parameter leaf appended), and the persistent
// state_dict layout of SpeechT5ForTextToSpeech / SpeechT5HifiGan derived from a config, in HF
// module order. Loaders check a checkpoint against the layout before building the model.
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "io/tensor_store.h"
#include "model/config.h"

namespace speecht5 {

// Roles of SpeechT5ForTextToSpeech tensors. Comments show the key template.
enum class TtsTensor {
  kEncEmbedTokens,    // speecht5.encoder.prenet.embed_tokens
  kEncPositions,      // speecht5.encoder.prenet.encode_positions (.alpha)
  kEncLayerNorm,      // speecht5.encoder.wrapped_encoder.layer_norm
  kEncAttnK,          // speecht5.encoder.wrapped_encoder.layers.%d.attention.k_proj
  kEncAttnV,          // ... .attention.v_proj
  kEncAttnQ,          // ... .attention.q_proj
  kEncAttnOut,        // ... .attention.out_proj
  kEncAttnNorm,       // ... .layer_norm
  kEncFfnIn,          // ... .feed_forward.intermediate_dense
  kEncFfnOut,         // ... .feed_forward.output_dense
  kEncFinalNorm,      // ... .final_layer_norm
  kEncRelPosK,        // speecht5.encoder.wrapped_encoder.embed_positions.pe_k
  kDecPrenetLayer,    // speecht5.decoder.prenet.layers.%d
  kDecPrenetFinal,    // speecht5.decoder.prenet.final_layer
  kDecPositions,      // speecht5.decoder.prenet.encode_positions (.alpha)
  kDecSpeakerEmbeds,  // speecht5.decoder.prenet.speaker_embeds_layer
  kDecSelfAttnK,      // speecht5.decoder.wrapped_decoder.layers.%d.self_attn.k_proj
  kDecSelfAttnV,      // ... .self_attn.v_proj
  kDecSelfAttnQ,      // ... .self_attn.q_proj
  kDecSelfAttnOut,    // ... .self_attn.out_proj
  kDecSelfAttnNorm,   // ... .self_attn_layer_norm
  kDecCrossAttnK,     // ... .encoder_attn.k_proj
  kDecCrossAttnV,     // ... .encoder_attn.v_proj
  kDecCrossAttnQ,     // ... .encoder_attn.q_proj
  kDecCrossAttnOut,   // ... .encoder_attn.out_proj
  kDecCrossAttnNorm,  // ... .encoder_attn_layer_norm
  kDecFfnIn,          // ... .feed_forward.intermediate_dense
  kDecFfnOut,         // ... .feed_forward.output_dense
  kDecFinalNorm,      // ... .final_layer_norm
  kPostFeatOut,       // speech_decoder_postnet.feat_out
  kPostProbOut,       // speech_decoder_postnet.prob_out
  kPostConv,          // speech_decoder_postnet.layers.%d.conv
  kPostBatchNorm,     // speech_decoder_postnet.layers.%d.batch_norm
};

// Roles of SpeechT5HifiGan tensors.
enum class HifiGanTensor {
  kMean,       // mean (buffer, no leaf)
  kScale,      // scale (buffer, no leaf)
  kConvPre,    // conv_pre
  kUpsampler,  // upsampler.%d
  kResConvs1,  // resblocks.%d.convs1.%d   (block = stage * num_kernels + kernel, dilation)
  kResConvs2,  // resblocks.%d.convs2.%d
  kConvPost,   // conv_post
};

const char* key_template(TtsTensor role);
const char* key_template(HifiGanTensor role);

// The checkpoint key: the role's template with its %d filled from `indices` in order, then
// ".<leaf>" unless `leaf` is empty. Throws Error(kInternal) if the index count does not match.
std::string tensor_key(TtsTensor role, std::string_view leaf,
                       std::initializer_list<int> indices = {});
std::string tensor_key(HifiGanTensor role, std::string_view leaf,
                       std::initializer_list<int> indices = {});

enum class TensorKind { kParam, kBuffer };

struct TensorSpec {
  std::string name;
  Shape shape;
  io::DType dtype = io::DType::kF32;  // kF32 or kI64 (num_batches_tracked)
  TensorKind kind = TensorKind::kParam;
};
using StateLayout = std::vector<TensorSpec>;

// Every persistent tensor of the model, in HF module order (= state_dict order). Non-persistent
// buffers (encode_positions.pe sinusoid tables) are not part of it.
StateLayout tts_state_layout(const TtsConfig& config);
StateLayout hifigan_state_layout(const HifiGanConfig& config);

struct LayoutCheck {
  std::vector<std::string> ignored;          // keys the model does not use (debug-logged)
  std::vector<std::string> weight_norm;      // layout names present as a weight-norm pair
  std::vector<std::string> absent_optional;  // e.g. num_batches_tracked
};

// Checks `store` against `layout`: every required tensor present (X.weight may instead be a
// weight-norm pair, X.weight_g + X.weight_v or X.parametrizations.weight.original0 +
// original1, as model/weight_norm.h folds them), with the layout's shape and a compatible dtype
// (any float type for F32, any integer type for I64). Missing tensors throw Error(kModel)
// naming the tensor and the file; shape mismatches throw Error(kModel) with both shapes.
// Unexpected keys are ignored with a debug log. `model_name` appears in messages.
LayoutCheck check_state_layout(const io::TensorStore& store, const StateLayout& layout,
                               std::string_view model_name);

}  // namespace speecht5
