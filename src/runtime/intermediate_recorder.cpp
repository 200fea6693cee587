#include "runtime/intermediate_recorder.h"

#include <cstring>

#include "core/error.h"
#include "io/safetensors_writer.h"

namespace speecht5 {

Observer IntermediateRecorder::observer() {
  return [this](std::string_view name, int step, int item, const Tensor& value) {
    if (item != 0) return;  // batch items beyond the first are not dumped
    std::string key(name);
    Series& s = series_[key];
    if (s.steps == 0) s.shape = value.shape();
    if (value.shape() != s.shape)
      fail(ErrorCode::kInternal, "intermediate '" + key + "' changed shape from " +
                                     shape_to_string(s.shape) + " to " +
                                     shape_to_string(value.shape()));
    s.values.insert(s.values.end(), value.data(), value.data() + value.numel());
    ++s.steps;
    (void)step;
  };
}

std::map<std::string, Tensor> IntermediateRecorder::stacked() const {
  std::map<std::string, Tensor> out;
  std::vector<const Series*> layer_outs;
  for (int l = 0;; ++l) {
    auto it = series_.find("layer" + std::to_string(l) + ".out");
    if (it == series_.end()) break;
    layer_outs.push_back(&it->second);
  }
  for (const auto& [name, s] : series_) {
    Shape shape = s.shape;
    // Values reported once (the encoder's) keep their shape; per-step ones gain a step axis.
    if (s.steps > 1 || name.rfind("encoder.", 0) != 0) shape.insert(shape.begin(), s.steps);
    out.emplace(name, Tensor::from_values(shape, s.values));
  }
  if (!layer_outs.empty()) {
    const int steps = layer_outs[0]->steps;
    const int64_t hidden = shape_numel(layer_outs[0]->shape);
    const int64_t layers = static_cast<int64_t>(layer_outs.size());
    Tensor stacked({steps, layers, hidden});
    float* dst = stacked.mutable_data();
    for (int n = 0; n < steps; ++n)
      for (int64_t l = 0; l < layers; ++l)
        std::memcpy(dst + (n * layers + l) * hidden, layer_outs[l]->values.data() + n * hidden,
                    sizeof(float) * hidden);
    out.emplace("decoder_layer_outs", std::move(stacked));
  }
  return out;
}

void IntermediateRecorder::save(const std::string& path) const {
  const auto tensors = stacked();
  std::vector<io::TensorRecord> records;
  for (const auto& [name, t] : tensors) {
    io::TensorRecord rec;
    rec.name = name;
    rec.dtype = io::DType::kF32;
    rec.shape = t.shape();
    rec.data = reinterpret_cast<const std::byte*>(t.data());
    rec.nbytes = sizeof(float) * t.numel();
    records.push_back(std::move(rec));
  }
  io::write_safetensors(path, records, {{"format", "speecht5.cpp intermediates"}});
}

}  // namespace speecht5
