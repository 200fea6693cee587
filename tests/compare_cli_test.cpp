#include <gtest/gtest.h>

#include "io/safetensors_writer.h"
#include "support/cli_runner.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

void write_one(const std::filesystem::path& path, const std::string& name, std::vector<float> v) {
  io::TensorRecord rec;
  rec.name = name;
  rec.shape = {static_cast<int64_t>(v.size())};
  rec.data = reinterpret_cast<const std::byte*>(v.data());
  rec.nbytes = v.size() * sizeof(float);
  io::write_safetensors(path, {rec}, {});
}

TEST(CompareCliTest, ReportsRelL2AndFailsAboveTolerance) {
  const auto dir = test::temp_dir("compare_cli");
  write_one(dir / "a.safetensors", "x", {3, 4});
  write_one(dir / "b.safetensors", "x", {3, 4.5});  // ‖(0, -0.5)‖ / ‖(3, 4.5)‖ = 0.0923
  auto same = test::run_cli({"compare", (dir / "a.safetensors").string(), (dir / "a.safetensors").string()});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.out.find("0.000e+00"), std::string::npos) << same.out;
  auto diff = test::run_cli({"compare", (dir / "a.safetensors").string(), (dir / "b.safetensors").string()});
  EXPECT_EQ(diff.exit_code, 1);
  EXPECT_NE(diff.out.find("9.245e-02"), std::string::npos) << diff.out;
  auto loose = test::run_cli({"compare", (dir / "a.safetensors").string(), (dir / "b.safetensors").string(),
                              "--tolerance", "0.1"});
  EXPECT_EQ(loose.exit_code, 0) << loose.out;
}

TEST(CompareCliTest, NoSharedTensorsIsAnError) {
  const auto dir = test::temp_dir("compare_cli_disjoint");
  write_one(dir / "a.safetensors", "x", {1});
  write_one(dir / "b.safetensors", "y", {1});
  auto r = test::run_cli({"compare", (dir / "a.safetensors").string(), (dir / "b.safetensors").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("share no"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace speecht5
