// .npy reading/writing and speaker embedding files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "core/error.h"
#include "io/npy.h"
#include "io/speaker_embedding.h"
#include "runtime/voices.h"
#include "support/checkpoint_builder.h"
#include "support/fixtures.h"

namespace speecht5 {
namespace {

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

std::string npy_bytes(const std::string& descr, const std::string& shape, const std::string& data,
                      bool fortran = false) {
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  out.append(reinterpret_cast<const char*>(&len), 2);
  return out + header + data;
}

std::string doubles_bytes(const std::vector<double>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(IoSpeaker, NpyFilesMatchTheBuiltinVoices) {
  // tests/data/speakers holds the .npy x-vectors the built-in voices were generated from.
  const auto* slt = find_builtin_voice("slt");
  ASSERT_NE(slt, nullptr);
  const Tensor e = io::load_speaker_embedding(test::data_dir() /
                                              "speakers/cmu_us_slt_arctic-wav-arctic_a0508.npy");
  ASSERT_EQ(e.shape(), (Shape{512}));
  for (int i = 0; i < 512; ++i) EXPECT_FLOAT_EQ(e.data()[i], slt->embedding[i]) << i;
}

TEST(IoSpeaker, RawFloat32BinAndFloat64NpyAndRowVectorAgree) {
  const Tensor ref = io::load_speaker_embedding(test::data_dir() /
                                                "speakers/cmu_us_awb_arctic-wav-arctic_a0002.npy");
  const auto dir = test::temp_dir("io_speaker_forms");
  std::vector<float> values(ref.data(), ref.data() + 512);
  test::write_bytes(dir / "x.bin", test::floats_bytes(values));
  test::write_bytes(dir / "row.npy", npy_bytes("<f4", "(1, 512)", test::floats_bytes(values)));
  test::write_bytes(dir / "f64.npy",
                    npy_bytes("<f8", "(512,)", doubles_bytes({values.begin(), values.end()})));
  for (const char* name : {"x.bin", "row.npy", "f64.npy"}) {
    const Tensor e = io::load_speaker_embedding(dir / name);
    ASSERT_EQ(e.shape(), (Shape{512})) << name;
    EXPECT_EQ(std::memcmp(e.data(), ref.data(), 512 * sizeof(float)), 0) << name;
  }
}

TEST(IoSpeaker, WrongShapesAndSizesAreNamed) {
  const auto dir = test::temp_dir("io_speaker_bad");
  test::write_bytes(dir / "two.npy", npy_bytes("<f4", "(2, 512)", std::string(4096, '\0')));
  test::write_bytes(dir / "short.bin", std::string(2044, '\0'));
  test::write_bytes(dir / "ints.npy", npy_bytes("<i8", "(512,)", std::string(4096, '\0')));
  test::write_bytes(dir / "fake.npy", std::string(2048, '\0'));
  const std::string nan_bytes = test::floats_bytes(std::vector<float>(512, std::nanf("")));
  test::write_bytes(dir / "nan.bin", nan_bytes);
  auto load = [&](const char* name) {
    return error_of([&] { io::load_speaker_embedding(dir / name); });
  };
  EXPECT_CONTAINS(load("two.npy"), (dir / "two.npy").string());
  EXPECT_CONTAINS(load("two.npy"), "has shape [2, 512], expected (512,) or (1, 512)");
  EXPECT_CONTAINS(load("short.bin"), "has 2044 bytes, expected 2048");
  EXPECT_CONTAINS(load("ints.npy"), "dtype '<i8' is not float32 or float64");
  EXPECT_CONTAINS(load("fake.npy"), "no \\x93NUMPY magic");
  EXPECT_CONTAINS(load("nan.bin"), "value 0 is not finite");
  EXPECT_CONTAINS(error_of([&] { io::load_speaker_embedding(dir / "absent.npy"); }), "absent.npy");
}

TEST(IoNpy, WriteThenReadRoundTrips) {
  const auto path = test::temp_dir("io_npy_roundtrip") / "mel.npy";
  const Tensor mel = Tensor::from_values({2, 3}, {1.5f, -2.0f, 3.25f, 0.0f, 1e-8f, 7.0f});
  io::write_npy_f32(path, mel);
  const std::string bytes = test::read_bytes(path);
  // numpy's own layout: magic, version 1.0, header padded so the data is 64-byte aligned.
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ((bytes.size() - 6 * sizeof(float)) % 64, 0u);
  EXPECT_CONTAINS(bytes, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  const Tensor back = io::read_npy_f32(path);
  EXPECT_EQ(back.shape(), (Shape{2, 3}));
  EXPECT_EQ(std::memcmp(back.data(), mel.data(), 6 * sizeof(float)), 0);

  io::write_npy_f32(path, Tensor::from_values({3}, {1, 2, 3}));
  EXPECT_CONTAINS(test::read_bytes(path), "'shape': (3,), }");
  EXPECT_EQ(io::read_npy_f32(path).shape(), (Shape{3}));
}

TEST(IoNpy, FortranOrderIsTransposedToRowMajor) {
  const auto path = test::temp_dir("io_npy_fortran") / "f.npy";
  // The [2, 3] matrix [[0, 1, 2], [3, 4, 5]] stored column by column.
  test::write_bytes(path, npy_bytes("<f4", "(2, 3)", test::floats_bytes({0, 3, 1, 4, 2, 5}), true));
  const Tensor t = io::read_npy_f32(path);
  EXPECT_EQ(std::vector<float>(t.data(), t.data() + 6), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(IoNpy, Int64Ids) {
  const auto path = test::temp_dir("io_npy_ids") / "ids.npy";
  const std::vector<int64_t> ids = {4, 17, -1, 80};
  test::write_bytes(
      path, npy_bytes("<i8", "(1, 4)", std::string(reinterpret_cast<const char*>(ids.data()), 32)));
  Shape shape;
  EXPECT_EQ(io::read_npy_i64(path, &shape), ids);
  EXPECT_EQ(shape, (Shape{1, 4}));
}

TEST(IoNpy, CorruptFilesAreReported) {
  const auto dir = test::temp_dir("io_npy_bad");
  test::write_bytes(dir / "short.npy", npy_bytes("<f4", "(4,)", test::floats_bytes({1, 2, 3})));
  test::write_bytes(dir / "big_endian.npy", npy_bytes(">f4", "(1,)", std::string(4, '\0')));
  test::write_bytes(dir / "header.npy", npy_bytes("<f4", "(4,", std::string(16, '\0')));
  std::string long_header = npy_bytes("<f4", "(1,)", std::string(4, '\0'));
  long_header[8] = '\xff';
  long_header[9] = '\x7f';
  test::write_bytes(dir / "long.npy", long_header);
  auto read = [&](const char* name) { return error_of([&] { io::read_npy_f32(dir / name); }); };
  EXPECT_CONTAINS(read("short.npy"), "shape [4] of '<f4' needs 16 bytes of data, the file has 12");
  EXPECT_CONTAINS(read("big_endian.npy"), "big-endian dtype '>f4' is not supported");
  EXPECT_CONTAINS(read("header.npy"), (dir / "header.npy").string());
  EXPECT_CONTAINS(read("long.npy"), "runs past the end of the file");
}

}  // namespace
}  // namespace speecht5
