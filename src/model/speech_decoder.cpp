#include "model/speech_decoder.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "kernels/activations.h"
#include "kernels/attention.h"
#include "kernels/norm.h"
#include "kernels/prefetch_row.h"
#include "kernels/team.h"
#include "kernels/threading.h"

namespace speecht5 {

void DecoderState::ensure_capacity(int64_t positions) {
  if (positions <= capacity()) return;
  // Grow geometrically so a long utterance reallocates O(log n) times, not every step.
  const int64_t cap = std::max<int64_t>(positions, std::max<int64_t>(2 * capacity(), 16));
  for (auto* caches : {&self_k_, &self_v_})
    for (HeadMajorCache& cache : *caches) cache.grow(cap, pos_);
  ensure_probs(probs_members_);
}

void DecoderState::ensure_probs(int members) {
  probs_stride_ = std::max<int64_t>(capacity(), enc_len_);
  probs_members_ = std::max(members, 1);
  if (static_cast<int64_t>(probs_.size()) < probs_members_ * probs_stride_)
    probs_.resize(probs_members_ * probs_stride_);
}

SpeechDecoder::SpeechDecoder(const TtsConfig& config, const WeightReader& w)
    : config_(config), prenet_(config, w) {
  const int64_t H = config.hidden_size, heads = config.decoder_attention_heads;
  const float eps = config.layer_norm_eps;
  for (int l = 0; l < config.decoder_layers; ++l) {
    const std::string p = "speecht5.decoder.wrapped_decoder.layers." + std::to_string(l);
    layers_.push_back({AttentionProjections::load(w, p + ".self_attn", H, heads),
                       {w.layer_norm(p + ".self_attn_layer_norm", H), eps},
                       AttentionProjections::load(w, p + ".encoder_attn", H, heads),
                       {w.layer_norm(p + ".encoder_attn_layer_norm", H), eps},
                       FeedForward::load(w, p + ".feed_forward", H, config.decoder_ffn_dim),
                       {w.layer_norm(p + ".final_layer_norm", H), eps}});
    const std::string n = "layer" + std::to_string(l) + ".";
    names_.push_back({n + "self_attn_out", n + "self_attn_ln_out", n + "cross_attn_out",
                      n + "cross_attn_ln_out", n + "ffn_out", n + "out"});
  }
  const int64_t r = config.reduction_factor;
  feat_out_ = w.linear("speech_decoder_postnet.feat_out", r * config.num_mel_bins, H);
  prob_out_ = w.linear("speech_decoder_postnet.prob_out", r, H);
  // The reduced-precision modes trade the caches' precision for their memory traffic: bf16 halves
  // it, int8 (with a scale per 32 values) halves it again (docs/PERFORMANCE.md).
  switch (w.precision()) {
    case kernels::Precision::kFp32:
      kv_type_ = KvType::kF32;
      break;
    case kernels::Precision::kBf16:
      kv_type_ = KvType::kBf16;
      break;
    case kernels::Precision::kInt8:
      kv_type_ = (H / heads) % kernels::kKvInt8Group == 0 ? KvType::kInt8 : KvType::kBf16;
      break;
  }
  step_weight_bytes_ = prenet_.weight_bytes() + feat_out_.weight_bytes() + prob_out_.weight_bytes();
  for (const Layer& layer : layers_)
    for (const kernels::Linear* linear :
         {&layer.self_attn.q, &layer.self_attn.k, &layer.self_attn.v, &layer.self_attn.out,
          &layer.cross_attn.q, &layer.cross_attn.out, &layer.ffn.intermediate, &layer.ffn.output})
      step_weight_bytes_ += linear->weight_bytes();
}

DecoderState SpeechDecoder::start(const Tensor& encoder_out, const std::vector<float>& key_mask,
                                  const Tensor& speakers, int64_t expected_steps) const {
  const int64_t H = config_.hidden_size, S = config_.speaker_embedding_dim;
  if (encoder_out.rank() != 3 || encoder_out.dim(2) != H)
    fail(ErrorCode::kInternal, "decoder: encoder output " + shape_to_string(encoder_out.shape()));
  DecoderState s;
  s.batch_ = encoder_out.dim(0);
  s.enc_len_ = encoder_out.dim(1);
  const int64_t B = s.batch_, T = s.enc_len_;
  if (speakers.numel() != B * S)
    fail(ErrorCode::kInvalidArgument, "speaker embedding has " + std::to_string(speakers.numel()) +
                                          " values, expected " + std::to_string(B) + " × " +
                                          std::to_string(S));
  if (static_cast<int64_t>(key_mask.size()) != B * T)
    fail(ErrorCode::kInternal, "decoder: key mask size does not match the encoder output");
  s.key_mask_ = key_mask;
  s.speakers_.resize(B * S);
  s.active_speakers_.resize(B * S);
  for (int64_t b = 0; b < B; ++b)  // HF: F.normalize(speaker, dim=-1), eps 1e-12
    kernels::l2_normalize(speakers.data() + b * S, S, 1e-12f, s.speakers_.data() + b * S);
  s.heads_ = config_.decoder_attention_heads;
  s.head_dim_ = H / s.heads_;
  std::vector<float> rows(B * T * H);
  for (const Layer& layer : layers_)
    for (auto [linear, caches] : {std::pair{&layer.cross_attn.k, &s.cross_k_},
                                  std::pair{&layer.cross_attn.v, &s.cross_v_}}) {
      linear->forward(encoder_out.data(), B * T, rows.data());
      caches->emplace_back(kv_type_, B, s.heads_, s.head_dim_, T);
      caches->back().store_all(rows.data(), T);
    }
  for (auto* caches : {&s.self_k_, &s.self_v_})
    caches->assign(layers_.size(), HeadMajorCache(kv_type_, B, s.heads_, s.head_dim_, 0));
  s.ensure_capacity(std::max<int64_t>(expected_steps, 1));
  // x, q, k, v, context, attention output, FFN intermediate, prenet scratch.
  s.scratch_.resize(B * (6 * H + config_.decoder_ffn_dim) + prenet_.scratch_floats(B));
  // Every product that reads x or the context has H inputs and the model's precision, as
  // feat_out does.
  s.converted_row_bytes_ = feat_out_.converted_row_bytes();
  s.converted_.resize((2 * B * s.converted_row_bytes_ + 3) / 4 + 2 * B);
  s.heads_done_ = std::vector<DecoderState::HeadsDone>(B);
  return s;
}

kernels::ConvertedRows SpeechDecoder::converted(DecoderState& s, int which,
                                                const float* rows) const {
  return feat_out_.converted_at(s.converted_rows(which), s.converted_scales(which), rows,
                                config_.hidden_size);
}

void SpeechDecoder::convert_rows(DecoderState& s, int which, const float* rows, int64_t r0,
                                 int64_t r1) const {
  if (r1 <= r0 || feat_out_.precision() == kernels::Precision::kFp32) return;
  const int64_t H = config_.hidden_size;
  feat_out_.convert(rows + r0 * H, r1 - r0, H,
                    s.converted_rows(which) + r0 * s.converted_row_bytes_,
                    s.converted_scales(which) + r0);
}

void SpeechDecoder::step(DecoderState& s, const std::vector<int>& active, const float* frames,
                         uint64_t seed, float* feat, float* stop_logits, float* cross_probs,
                         const Observer& observer) const {
  const int64_t H = config_.hidden_size, S = config_.speaker_embedding_dim;
  const int64_t n = static_cast<int64_t>(active.size());
  const int step = static_cast<int>(s.pos_ + 1);
  if (s.pos_ >= config_.max_speech_positions)
    fail(ErrorCode::kInvalidArgument, "decoder: position " + std::to_string(s.pos_) +
                                          " exceeds max_speech_positions (" +
                                          std::to_string(config_.max_speech_positions) + ")");
  s.ensure_capacity(s.pos_ + 1);

  float* x = s.scratch_.data();
  float* prenet_scratch = x + s.batch_ * (6 * H + config_.decoder_ffn_dim);
  float* spk = s.active_speakers_.data();  // speaker rows of the active items, packed
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(spk + i * S, s.speakers_.data() + active[i] * S, sizeof(float) * S);
  auto emit = [&](const std::string& name, const float* data, int64_t width) {
    for (int64_t i = 0; i < n; ++i)
      observer(name, step, active[i], Tensor::view(data + i * width, {width}, nullptr));
  };

  // The whole step in one team: ~11 barriers per layer instead of a fork/join per matrix
  // product (kernels/team.h).
  const int members = kernels::threads_for(step_weight_bytes_, 0);
  s.ensure_probs(members);
  // A step that failed half-way may have left heads counted (run_layer's finish_unit).
  for (DecoderState::HeadsDone& done : s.heads_done_)
    done.count.store(0, std::memory_order_relaxed);
  PhaseClock clock(s.phase_times_);
  kernels::run_team(members, [&](const kernels::Team& team) {
    prenet_.forward(frames, n, s.pos_, seed, spk, x, prenet_scratch, team,
                    layers_.empty() ? &feat_out_ : &layers_.front().self_attn.q);
    // Each member converts its share of the rows once, for all the products that read them.
    if (feat_out_.precision() != kernels::Precision::kFp32) {
      team.run([&] {
        const auto [r0, r1] = team.share(n);
        convert_rows(s, DecoderState::kConvertedX, x, r0, r1);
      });
      team.barrier();
    }
    if (observer && team.leader()) team.run([&] { emit("prenet_out", x, H); });
    if (team.leader()) clock.mark(DecoderPhase::kPrenet);
    for (int64_t l = 0; l < layers(); ++l)
      run_layer(l, s, active, x, cross_probs, observer, team, clock);
    team.run([&] {
      feat_out_.forward_team(converted(s, DecoderState::kConvertedX, x), n, feat, team, &prob_out_);
      prob_out_.forward_team(converted(s, DecoderState::kConvertedX, x), n, stop_logits, team);
    });
  });
  clock.mark(DecoderPhase::kOutput);
  if (clock.recording()) ++s.phase_times_->steps;
  if (observer) {
    emit("feat_out", feat, feat_out_.out_features());
    emit("stop_logits", stop_logits, prob_out_.out_features());
  }
  ++s.pos_;
}

void SpeechDecoder::run_layer(int64_t l, DecoderState& s, const std::vector<int>& active, float* x,
                              float* cross_probs, const Observer& observer,
                              const kernels::Team& team, PhaseClock& clock) const {
  const Layer& layer = layers_[l];
  const int64_t H = config_.hidden_size, F = config_.decoder_ffn_dim, T = s.enc_len_, B = s.batch_;
  const int64_t n = static_cast<int64_t>(active.size());
  const int64_t heads = layer.self_attn.heads, d = layer.self_attn.head_dim;
  const int64_t pos = s.pos_, L = layers();
  float* q = x + B * H;
  float* k = q + B * H;
  float* v = k + B * H;
  float* ctx = v + B * H;
  float* y = ctx + B * H;
  float* ffn = y + B * H;
  float* probs = s.probs_.data() + team.rank() * s.probs_stride_;  // this member's scratch row
  const auto& names = names_[l];
  const int step = static_cast<int>(pos + 1);
  // The leader reports a finished tensor (after the barrier that completes it).
  auto emit = [&](int which, const float* data) {
    if (!observer || !team.leader()) return;
    team.run([&] {
      for (int64_t i = 0; i < n; ++i)
        observer(names[which], step, active[i], Tensor::view(data + i * H, {H}, nullptr));
    });
  };
  // The products read x and the attention output converted where they were produced.
  const kernels::ConvertedRows x_in = converted(s, DecoderState::kConvertedX, x),
                               ctx_in = converted(s, DecoderState::kConvertedContext, ctx);
  // The leader times the phase that the barrier it just passed ended.
  auto ended = [&](DecoderPhase phase) {
    if (team.leader()) clock.mark(phase);
  };
  // x = LayerNorm(x + y), rows shared out (one row: the leader alone), and converted.
  auto add_and_norm = [&](const LayerNormWeights& norm, DecoderPhase phase) {
    team.run([&] {
      const auto [r0, r1] = team.share(n);
      if (r1 > r0) norm.add_and_norm(x + r0 * H, y + r0 * H, r1 - r0);
      convert_rows(s, DecoderState::kConvertedX, x, r0, r1);
    });
    team.barrier();
    ended(phase);
  };
  // After unit u of an attention: the member that finishes a row's last head converts the row.
  // (acq_rel: it then sees the other member's heads of that row.)
  const bool convert_context = feat_out_.precision() != kernels::Precision::kFp32;
  auto finish_unit = [&](int64_t i) {
    if (!convert_context) return;
    if (s.heads_done_[i].count.fetch_add(1, std::memory_order_acq_rel) + 1 < heads) return;
    // Reset for the next attention, which is a barrier away.
    s.heads_done_[i].count.store(0, std::memory_order_relaxed);
    convert_rows(s, DecoderState::kConvertedContext, ctx, i, i + 1);
  };

  // Self-attention over the cached positions 0..pos (no mask: one query, all past keys).
  HeadMajorCache& cache_k = s.self_k_[l];
  HeadMajorCache& cache_v = s.self_v_[l];
  // q = q_proj(x)·scaling, each member scaling the columns it computed (none when the weights
  // carry the factor, AttentionProjections::scaling).
  auto project_query = [&](const AttentionProjections& a, const kernels::Linear* then) {
    if (a.scaling == 1.0f) return a.q.forward_team(x_in, n, q, team, then);
    a.q.forward_team(
        x_in, n, q, team,
        [&](int64_t c0, int64_t c1) {
          for (int64_t i = 0; i < n; ++i) kernels::scale(q + i * H + c0, c1 - c0, a.scaling);
        },
        then);
  };
  // Attention unit u + 1 (item-major), which this member most likely takes next: it is prefetched
  // along unit u (kernels/attention.h).
  auto next_head = [&](const HeadMajorCache& k, const HeadMajorCache& v, int64_t u) {
    return u + 1 < n * heads ? kv_head(k, v, active[(u + 1) / heads], (u + 1) % heads)
                             : kernels::KvHead{};
  };
  // The query of unit u + 1 (written by whichever member computed its columns, so often still in
  // the other core's cache) and its output row, fetched while unit u runs.
  auto prefetch_unit = [&](int64_t u) {
    if (u + 1 >= n * heads) return;
    const int64_t at = (u + 1) / heads * H + (u + 1) % heads * d;
    kernels::prefetch_row<float>(q + at, 0, d);
    for (int64_t b = 0; b < d; b += 16) __builtin_prefetch(ctx + at + b, 1, 3);
  };
  // The new position's keys / values into the cache.
  auto append_to_cache = [&](const float* src, HeadMajorCache& cache) {
    return [=, &active, &cache](int64_t c0, int64_t c1) {
      cache.store(active.data(), n, pos, src, H, c0, c1);
    };
  };
  team.run([&] {
    project_query(layer.self_attn, &layer.self_attn.k);
    layer.self_attn.k.forward_team(x_in, n, k, team, append_to_cache(k, cache_k),
                                   &layer.self_attn.v);
    layer.self_attn.v.forward_team(x_in, n, v, team, append_to_cache(v, cache_v),
                                   &layer.self_attn.out);
  });
  team.barrier();
  ended(DecoderPhase::kSelfProjections);
  team.run([&] {
    team.for_each_dynamic(n * heads, [&](int64_t u) {
      const int64_t i = u / heads, h = u % heads;
      prefetch_unit(u);
      kernels::attention_one_query(q + i * H + h * d, kv_head(cache_k, cache_v, active[i], h),
                                   pos + 1, d, nullptr, probs, ctx + i * H + h * d,
                                   next_head(cache_k, cache_v, u));
      finish_unit(i);
    });
  });
  team.barrier();
  ended(DecoderPhase::kSelfAttention);
  team.run([&] { layer.self_attn.out.forward_team(ctx_in, n, y, team, &layer.cross_attn.q); });
  team.barrier();
  ended(DecoderPhase::kSelfOut);
  emit(0, y);
  add_and_norm(layer.self_attn_norm, DecoderPhase::kSelfNorm);
  emit(1, x);

  // Cross-attention over the encoder output with its padding mask.
  team.run([&] { project_query(layer.cross_attn, &layer.cross_attn.out); });
  team.barrier();
  ended(DecoderPhase::kCrossQuery);
  team.run([&] {
    team.for_each_dynamic(n * heads, [&](int64_t u) {
      const int64_t i = u / heads, h = u % heads, item = active[i];
      prefetch_unit(u);
      float* p = cross_probs != nullptr ? cross_probs + ((i * L + l) * heads + h) * T : probs;
      kernels::attention_one_query(q + i * H + h * d,
                                   kv_head(s.cross_k_[l], s.cross_v_[l], item, h), T, d,
                                   s.key_mask_.data() + item * T, p, ctx + i * H + h * d,
                                   next_head(s.cross_k_[l], s.cross_v_[l], u));
      finish_unit(i);
    });
  });
  team.barrier();
  ended(DecoderPhase::kCrossAttention);
  team.run([&] { layer.cross_attn.out.forward_team(ctx_in, n, y, team, &layer.ffn.intermediate); });
  team.barrier();
  ended(DecoderPhase::kCrossOut);
  emit(2, y);
  add_and_norm(layer.cross_attn_norm, DecoderPhase::kCrossNorm);
  emit(3, x);

  // Feed-forward: each member applies GELU to the columns it produced.
  team.run([&] {
    layer.ffn.intermediate.forward_team(
        x_in, n, ffn, team,
        [&](int64_t c0, int64_t c1) { kernels::gelu_erf_rows(ffn + c0, n, c1 - c0, F); },
        &layer.ffn.output);
  });
  team.barrier();
  ended(DecoderPhase::kFfnIn);
  const kernels::Linear* next_product = l + 1 < L ? &layers_[l + 1].self_attn.q : &feat_out_;
  team.run([&] { layer.ffn.output.forward_team(ffn, n, y, team, next_product); });
  team.barrier();
  ended(DecoderPhase::kFfnOut);
  emit(4, y);
  add_and_norm(layer.final_norm, DecoderPhase::kFfnNorm);
  emit(5, x);
}

}  // namespace speecht5
