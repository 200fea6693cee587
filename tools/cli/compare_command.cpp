// `speecht5 compare A B`: diffs the tensors two files share (rel-L2, max |diff|), e.g. a dump of
// intermediates against a golden fixture, to locate the first layer where they part.
#include <cmath>
#include <cstdio>
#include <memory>

#include "command.h"
#include "core/error.h"
#include "io/tensor_store.h"

namespace speecht5::cli {
namespace {

struct CompareArgs {
  std::string actual, expected;
  double tolerance = 1e-5;
};

int run_compare(const CompareArgs& a) {
  const auto actual = io::TensorStore::open(a.actual);
  const auto expected = io::TensorStore::open(a.expected);
  int compared = 0, failed = 0;
  std::printf("%-40s %-18s %12s %12s\n", "tensor", "shape", "rel-L2", "max|diff|");
  for (const auto& rec : actual.tensors()) {
    const io::TensorRecord* ref = expected.find(rec.name);
    if (ref == nullptr || (rec.dtype != io::DType::kF32 && rec.dtype != io::DType::kF64)) continue;
    const Tensor x = actual.get_f32(rec.name);
    const Tensor y = expected.get_f32(rec.name);
    if (x.numel() != y.numel()) {
      std::printf("%-40s shape %s vs %s\n", rec.name.c_str(), shape_to_string(x.shape()).c_str(),
                  shape_to_string(y.shape()).c_str());
      ++compared;
      ++failed;
      continue;
    }
    double num = 0, den = 0, max_abs = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double d = static_cast<double>(x.data()[i]) - y.data()[i];
      num += d * d;
      den += static_cast<double>(y.data()[i]) * y.data()[i];
      max_abs = std::max(max_abs, std::fabs(d));
    }
    const double rel = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
    const bool ok = rel <= a.tolerance;
    std::printf("%-40s %-18s %12.3e %12.3e%s\n", rec.name.c_str(), shape_to_string(x.shape()).c_str(),
                rel, max_abs, ok ? "" : "  > tolerance");
    ++compared;
    failed += ok ? 0 : 1;
  }
  if (compared == 0) fail(ErrorCode::kInvalidArgument, "the two files share no floating-point tensor names");
  std::printf("%d tensors compared, %d above rel-L2 %.1e\n", compared, failed, a.tolerance);
  return failed == 0 ? 0 : 1;
}

RegisterCommand compare_command(
    "compare", "Diff the tensors two checkpoint/dump files share (rel-L2, max |diff|)",
    [](CLI::App& sub) -> CommandRun {
      auto a = std::make_shared<CompareArgs>();
      sub.add_option("actual", a->actual, "file to check (e.g. a --dump-intermediates output)")
          ->required();
      sub.add_option("expected", a->expected, "reference file (e.g. a golden fixture)")->required();
      sub.add_option("--tolerance", a->tolerance, "rel-L2 above which a tensor fails (exit 1)")
          ->capture_default_str();
      return [a] { return run_compare(*a); };
    });

}  // namespace
}  // namespace speecht5::cli
