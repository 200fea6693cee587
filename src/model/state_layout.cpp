#include "model/state_layout.h"

#include <array>
#include <set>

#include "core/error.h"
#include "core/log.h"

namespace speecht5 {
namespace {

constexpr const char* kTtsTemplates[] = {
    "speecht5.encoder.prenet.embed_tokens",
    "speecht5.encoder.prenet.encode_positions",
    "speecht5.encoder.wrapped_encoder.layer_norm",
    "speecht5.encoder.wrapped_encoder.layers.%d.attention.k_proj",
    "speecht5.encoder.wrapped_encoder.layers.%d.attention.v_proj",
    "speecht5.encoder.wrapped_encoder.layers.%d.attention.q_proj",
    "speecht5.encoder.wrapped_encoder.layers.%d.attention.out_proj",
    "speecht5.encoder.wrapped_encoder.layers.%d.layer_norm",
    "speecht5.encoder.wrapped_encoder.layers.%d.feed_forward.intermediate_dense",
    "speecht5.encoder.wrapped_encoder.layers.%d.feed_forward.output_dense",
    "speecht5.encoder.wrapped_encoder.layers.%d.final_layer_norm",
    "speecht5.encoder.wrapped_encoder.embed_positions.pe_k",
    "speecht5.decoder.prenet.layers.%d",
    "speecht5.decoder.prenet.final_layer",
    "speecht5.decoder.prenet.encode_positions",
    "speecht5.decoder.prenet.speaker_embeds_layer",
    "speecht5.decoder.wrapped_decoder.layers.%d.self_attn.k_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.self_attn.v_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.self_attn.q_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.self_attn.out_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.self_attn_layer_norm",
    "speecht5.decoder.wrapped_decoder.layers.%d.encoder_attn.k_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.encoder_attn.v_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.encoder_attn.q_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.encoder_attn.out_proj",
    "speecht5.decoder.wrapped_decoder.layers.%d.encoder_attn_layer_norm",
    "speecht5.decoder.wrapped_decoder.layers.%d.feed_forward.intermediate_dense",
    "speecht5.decoder.wrapped_decoder.layers.%d.feed_forward.output_dense",
    "speecht5.decoder.wrapped_decoder.layers.%d.final_layer_norm",
    "speech_decoder_postnet.feat_out",
    "speech_decoder_postnet.prob_out",
    "speech_decoder_postnet.layers.%d.conv",
    "speech_decoder_postnet.layers.%d.batch_norm",
};
static_assert(std::size(kTtsTemplates) == static_cast<size_t>(TtsTensor::kPostBatchNorm) + 1);

constexpr const char* kHifiGanTemplates[] = {
    "mean",
    "scale",
    "conv_pre",
    "upsampler.%d",
    "resblocks.%d.convs1.%d",
    "resblocks.%d.convs2.%d",
    "conv_post",
};
static_assert(std::size(kHifiGanTemplates) == static_cast<size_t>(HifiGanTensor::kConvPost) + 1);

std::string fill_template(const char* tmpl, std::string_view leaf,
                          std::initializer_list<int> indices) {
  std::string out;
  auto next = indices.begin();
  for (const char* p = tmpl; *p != '\0'; ++p) {
    if (p[0] == '%' && p[1] == 'd') {
      if (next == indices.end())
        fail(ErrorCode::kInternal, std::string("too few indices for key template ") + tmpl);
      out += std::to_string(*next++);
      ++p;
    } else {
      out += *p;
    }
  }
  if (next != indices.end())
    fail(ErrorCode::kInternal, std::string("too many indices for key template ") + tmpl);
  if (!leaf.empty()) {
    out += '.';
    out += leaf;
  }
  return out;
}

// Appends tensors to a layout; `lin`/`norm` add the weight+bias pairs of a module.
struct LayoutBuilder {
  StateLayout layout;

  void add(std::string name, Shape shape, TensorKind kind = TensorKind::kParam,
           io::DType dtype = io::DType::kF32) {
    layout.push_back({std::move(name), std::move(shape), dtype, kind});
  }
  template <typename Role>
  void lin(Role role, std::initializer_list<int> idx, int64_t out, int64_t in) {
    add(tensor_key(role, "weight", idx), {out, in});
    add(tensor_key(role, "bias", idx), {out});
  }
  template <typename Role>
  void norm(Role role, std::initializer_list<int> idx, int64_t dim) {
    add(tensor_key(role, "weight", idx), {dim});
    add(tensor_key(role, "bias", idx), {dim});
  }
  // Conv1d weight [out, in, k]; ConvTranspose1d weight [in, out, k] (pass its out channels).
  template <typename Role>
  void conv(Role role, std::initializer_list<int> idx, Shape weight_shape, int64_t out_channels) {
    add(tensor_key(role, "weight", idx), std::move(weight_shape));
    add(tensor_key(role, "bias", idx), {out_channels});
  }
};

bool is_float(io::DType d) {
  return d == io::DType::kF32 || d == io::DType::kF16 || d == io::DType::kBF16 ||
         d == io::DType::kF64;
}
bool is_integer(io::DType d) {
  return d == io::DType::kI64 || d == io::DType::kI32 || d == io::DType::kI16 ||
         d == io::DType::kI8 || d == io::DType::kU8;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A weight stored as a weight-norm pair (folded at load by model/weight_norm.h): the
// torch.nn.utils.weight_norm names X.weight_g / X.weight_v, or the parametrize API's
// X.parametrizations.weight.original0 / original1. Checks both shapes; false if no full pair.
bool accept_weight_norm_pair(const io::TensorStore& store, const TensorSpec& spec,
                             const std::string& file, std::string_view model_name,
                             std::set<std::string, std::less<>>& used) {
  const std::string stem =
      spec.name.substr(0, spec.name.size() - std::string_view(".weight").size());
  for (auto [g_name, v_name] : {std::pair{stem + ".weight_g", stem + ".weight_v"},
                                std::pair{stem + ".parametrizations.weight.original0",
                                          stem + ".parametrizations.weight.original1"}}) {
    const io::TensorRecord* g = store.find(g_name);
    const io::TensorRecord* v = store.find(v_name);
    if (g == nullptr || v == nullptr) continue;
    for (const io::TensorRecord* rec : {g, v})
      if (!is_float(rec->dtype))
        fail(ErrorCode::kModel, file + ": tensor '" + rec->name + "' has dtype " +
                                    io::dtype_name(rec->dtype) + ", expected F32 for the " +
                                    std::string(model_name));
    if (v->shape != spec.shape)
      fail(ErrorCode::kModel,
           file + ": tensor '" + v->name + "' has shape " + shape_to_string(v->shape) +
               ", expected " + shape_to_string(spec.shape) + " for the " + std::string(model_name));
    // weight_norm(dim=0): one magnitude per index of dim 0, shape [d0, 1, ...].
    const int64_t rows = spec.shape.empty() ? 0 : spec.shape[0];
    if (g->shape.empty() || g->shape[0] != rows || shape_numel(g->shape) != rows)
      fail(ErrorCode::kModel, file + ": tensor '" + g->name + "' has shape " +
                                  shape_to_string(g->shape) + ", expected " + std::to_string(rows) +
                                  " magnitudes along dim 0 for the " + std::string(model_name));
    used.insert(g->name);
    used.insert(v->name);
    return true;
  }
  return false;
}

}  // namespace

const char* key_template(TtsTensor role) { return kTtsTemplates[static_cast<size_t>(role)]; }
const char* key_template(HifiGanTensor role) {
  return kHifiGanTemplates[static_cast<size_t>(role)];
}

std::string tensor_key(TtsTensor role, std::string_view leaf, std::initializer_list<int> indices) {
  return fill_template(key_template(role), leaf, indices);
}
std::string tensor_key(HifiGanTensor role, std::string_view leaf,
                       std::initializer_list<int> indices) {
  return fill_template(key_template(role), leaf, indices);
}

StateLayout tts_state_layout(const TtsConfig& c) {
  using T = TtsTensor;
  const int64_t H = c.hidden_size, M = c.num_mel_bins, U = c.speech_decoder_prenet_units;
  LayoutBuilder b;
  b.add(tensor_key(T::kEncEmbedTokens, "weight"), {c.vocab_size, H});
  b.add(tensor_key(T::kEncPositions, "alpha"), {});
  b.norm(T::kEncLayerNorm, {}, H);
  for (int i = 0; i < c.encoder_layers; ++i) {
    for (T role : {T::kEncAttnK, T::kEncAttnV, T::kEncAttnQ, T::kEncAttnOut})
      b.lin(role, {i}, H, H);
    b.norm(T::kEncAttnNorm, {i}, H);
    b.lin(T::kEncFfnIn, {i}, c.encoder_ffn_dim, H);
    b.lin(T::kEncFfnOut, {i}, H, c.encoder_ffn_dim);
    b.norm(T::kEncFinalNorm, {i}, H);
  }
  b.add(tensor_key(T::kEncRelPosK, "weight"),
        {2 * int64_t{c.encoder_max_relative_position}, H / c.encoder_attention_heads});
  for (int j = 0; j < c.speech_decoder_prenet_layers; ++j)
    b.lin(T::kDecPrenetLayer, {j}, U, j == 0 ? M : U);
  b.lin(T::kDecPrenetFinal, {}, H, U);
  b.add(tensor_key(T::kDecPositions, "alpha"), {});
  b.lin(T::kDecSpeakerEmbeds, {}, H, c.speaker_embedding_dim + H);
  for (int i = 0; i < c.decoder_layers; ++i) {
    for (T role : {T::kDecSelfAttnK, T::kDecSelfAttnV, T::kDecSelfAttnQ, T::kDecSelfAttnOut})
      b.lin(role, {i}, H, H);
    b.norm(T::kDecSelfAttnNorm, {i}, H);
    for (T role : {T::kDecCrossAttnK, T::kDecCrossAttnV, T::kDecCrossAttnQ, T::kDecCrossAttnOut})
      b.lin(role, {i}, H, H);
    b.norm(T::kDecCrossAttnNorm, {i}, H);
    b.lin(T::kDecFfnIn, {i}, c.decoder_ffn_dim, H);
    b.lin(T::kDecFfnOut, {i}, H, c.decoder_ffn_dim);
    b.norm(T::kDecFinalNorm, {i}, H);
  }
  b.lin(T::kPostFeatOut, {}, M * c.reduction_factor, H);
  b.lin(T::kPostProbOut, {}, c.reduction_factor, H);
  const int layers = c.speech_decoder_postnet_layers;
  const int64_t PU = c.speech_decoder_postnet_units;
  for (int k = 0; k < layers; ++k) {
    const int64_t cin = k == 0 ? M : PU, cout = k == layers - 1 ? M : PU;
    b.add(tensor_key(T::kPostConv, "weight", {k}), {cout, cin, c.speech_decoder_postnet_kernel});
    b.add(tensor_key(T::kPostBatchNorm, "weight", {k}), {cout});
    b.add(tensor_key(T::kPostBatchNorm, "bias", {k}), {cout});
    b.add(tensor_key(T::kPostBatchNorm, "running_mean", {k}), {cout}, TensorKind::kBuffer);
    b.add(tensor_key(T::kPostBatchNorm, "running_var", {k}), {cout}, TensorKind::kBuffer);
    b.add(tensor_key(T::kPostBatchNorm, "num_batches_tracked", {k}), {}, TensorKind::kBuffer,
          io::DType::kI64);
  }
  return std::move(b.layout);
}

StateLayout hifigan_state_layout(const HifiGanConfig& c) {
  using T = HifiGanTensor;
  const int64_t C0 = c.upsample_initial_channel, D = c.model_in_dim;
  LayoutBuilder b;
  b.add(tensor_key(T::kMean, ""), {D}, TensorKind::kBuffer);
  b.add(tensor_key(T::kScale, ""), {D}, TensorKind::kBuffer);
  b.conv(T::kConvPre, {}, {C0, D, 7}, C0);
  for (size_t i = 0; i < c.upsample_kernel_sizes.size(); ++i) {
    const int ii = static_cast<int>(i);
    b.conv(T::kUpsampler, {ii}, {C0 >> i, C0 >> (i + 1), c.upsample_kernel_sizes[i]},
           C0 >> (i + 1));
  }
  const size_t kernels = c.resblock_kernel_sizes.size();
  int64_t ch = C0;
  for (size_t i = 0; i < c.upsample_rates.size(); ++i) {
    ch = C0 >> (i + 1);
    for (size_t j = 0; j < kernels; ++j) {
      const int block = static_cast<int>(i * kernels + j);
      const int64_t k = c.resblock_kernel_sizes[j];
      const size_t dilations =
          j < c.resblock_dilation_sizes.size() ? c.resblock_dilation_sizes[j].size() : 0;
      for (T role : {T::kResConvs1, T::kResConvs2})
        for (size_t t = 0; t < dilations; ++t)
          b.conv(role, {block, static_cast<int>(t)}, {ch, ch, k}, ch);
    }
  }
  b.conv(T::kConvPost, {}, {1, ch, 7}, 1);
  return std::move(b.layout);
}

LayoutCheck check_state_layout(const io::TensorStore& store, const StateLayout& layout,
                               std::string_view model_name) {
  const std::string file = store.path().string();
  LayoutCheck result;
  std::set<std::string, std::less<>> used;
  std::vector<std::string> missing;

  auto check_dtype = [&](const io::TensorRecord& rec, const TensorSpec& spec) {
    const bool ok = spec.dtype == io::DType::kI64 ? is_integer(rec.dtype) : is_float(rec.dtype);
    if (!ok)
      fail(ErrorCode::kModel,
           file + ": tensor '" + rec.name + "' has dtype " + io::dtype_name(rec.dtype) +
               ", expected " + io::dtype_name(spec.dtype) + " for the " + std::string(model_name));
  };
  auto check_shape = [&](const io::TensorRecord& rec, const Shape& expected) {
    if (rec.shape != expected)
      fail(ErrorCode::kModel,
           file + ": tensor '" + rec.name + "' has shape " + shape_to_string(rec.shape) +
               ", expected " + shape_to_string(expected) + " for the " + std::string(model_name));
  };

  for (const TensorSpec& spec : layout) {
    if (const io::TensorRecord* rec = store.find(spec.name)) {
      check_dtype(*rec, spec);
      check_shape(*rec, spec.shape);
      used.insert(spec.name);
      continue;
    }
    if (ends_with(spec.name, ".weight") &&
        accept_weight_norm_pair(store, spec, file, model_name, used)) {
      result.weight_norm.push_back(spec.name);
      continue;
    }
    if (ends_with(spec.name, ".num_batches_tracked")) {
      result.absent_optional.push_back(spec.name);
      continue;
    }
    missing.push_back(spec.name);
  }
  if (!missing.empty()) {
    std::string msg = file + ": missing tensor '" + missing.front() + "' required by the " +
                      std::string(model_name);
    if (missing.size() > 1) msg += " (and " + std::to_string(missing.size() - 1) + " more)";
    fail(ErrorCode::kModel, msg);
  }
  for (const io::TensorRecord& rec : store.tensors()) {
    if (used.count(rec.name)) continue;
    log::debug(file, ": ignoring tensor '", rec.name, "' ", shape_to_string(rec.shape),
               " not used by the ", model_name);
    result.ignored.push_back(rec.name);
  }
  return result;
}

}  // namespace speecht5
