#pragma once
// Named intermediates, so a mismatch against the reference can be located layer by layer.
// Names follow the golden fixtures: encoder "encoder.prenet_out", "encoder.hidden_states.<i>"
// ([T, H], step 0); decoder (per step, [H]) "prenet_out", "layer<l>.self_attn_out",
// "layer<l>.self_attn_ln_out", "layer<l>.cross_attn_out", "layer<l>.cross_attn_ln_out",
// "layer<l>.ffn_out", "layer<l>.out", "feat_out" ([r·M]), "stop_logits" ([r]).
#include <functional>
#include <string_view>

#include "core/tensor.h"

namespace speecht5 {

// `step` is the 1-based decoder step (0 for the encoder); `item` the batch item. `value` is a
// view that is only valid during the call: clone it to keep it.
using Observer =
    std::function<void(std::string_view name, int step, int item, const Tensor& value)>;

}  // namespace speecht5
