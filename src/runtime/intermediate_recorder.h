#pragma once
// Collects the named intermediates a model reports through its Observer and stacks them the
// way the golden fixtures store them, so a run can be dumped to safetensors and diffed tensor
// by tensor against the reference (`speecht5 compare dump.safetensors fixture.safetensors`).
//
// Stacking: per-step decoder values of item 0 become [steps, ...] under their own name
// ("prenet_out", "layer0.self_attn_out", ...); "layer<l>.out" of all layers also form
// "decoder_layer_outs" [steps, L, H]; step-0 (encoder) values keep their shape.
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/observer.h"

namespace speecht5 {

class IntermediateRecorder {
 public:
  // The observer to hand to the model; it records into this recorder (which must outlive it).
  Observer observer();

  // Every recorded name, stacked as described above.
  std::map<std::string, Tensor> stacked() const;
  // Writes stacked() to a safetensors file. Throws Error(kIo) naming the file.
  void save(const std::string& path) const;

 private:
  struct Series {
    Shape shape;                // of one step's value
    std::vector<float> values;  // steps concatenated
    int steps = 0;
  };
  std::map<std::string, Series> series_;
};

}  // namespace speecht5
