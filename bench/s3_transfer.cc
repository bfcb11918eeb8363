// S3 throughput against the AWS CLI, on the same loopback server in the same
// run: upload and download of one object (256 MiB by default) with floe's S3
// client and with `aws s3 cp`; and a DuckDB aggregation over a Parquet dataset
// on s3:// against the same files on local disk. Starts moto itself
// (tests/support/s3_server.py, signatures verified).
//
//   build/default/bench/bench_s3_transfer [MiB=256] [parquet_rows=40000000]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>

#include "engine/session.h"
#include "storage/s3_client.h"
#include "tmpl/json.h"

namespace {

namespace fs = std::filesystem;

double Seconds(const std::function<void()>& fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Must(const floe::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int mib = argc > 1 ? std::atoi(argv[1]) : 256;
  int64_t rows = argc > 2 ? std::atoll(argv[2]) : 40000000;
  fs::path dir = fs::temp_directory_path() / ("floe_bench_s3_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string state = (dir / "server.json").string();
  std::string python = fs::exists(FLOE_SOURCE_DIR "/third_party/pytools/bin/python3") ? FLOE_SOURCE_DIR
                           "/third_party/pytools/bin/python3"
                                                                                      : "python3";
  if (std::system(
          (python + " " FLOE_SOURCE_DIR "/tests/support/s3_server.py start " + state + " >/dev/null").c_str()) != 0)
    return 1;
  std::ifstream in(state);
  std::stringstream text;
  text << in.rdbuf();
  auto server = *floe::tmpl::ParseJson(text.str());
  std::string endpoint = server.Get("endpoint")->AsString();
  std::string key = server.Get("access_key")->AsString(), secret = server.Get("secret_key")->AsString();
  floe::storage::S3Client s3({.endpoint = endpoint, .path_style = true, .credentials = {key, secret, ""}});
  Must(s3.CreateBucket("bench"), "create bucket");

  // The object: random bytes, so nothing compresses.
  fs::path file = dir / "object.bin";
  {
    std::mt19937_64 rng(1);
    std::ofstream out(file, std::ios::binary);
    std::string chunk(1 << 20, '\0');
    for (int m = 0; m < mib; ++m) {
      for (auto& c : chunk) c = static_cast<char>(rng());
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
  }
  std::string aws_env = "AWS_ACCESS_KEY_ID=" + key + " AWS_SECRET_ACCESS_KEY='" + secret +
                        "' AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL=" + endpoint + " ";
  double floe_up = Seconds([&] { Must(s3.PutFile("bench", "floe.bin", file, {}, 8 << 20, 4), "floe upload"); });
  double aws_up = Seconds([&] {
    if (std::system((aws_env + "aws s3 cp --quiet " + file.string() + " s3://bench/aws.bin").c_str()) != 0)
      std::exit(1);
  });
  double floe_down = Seconds([&] { Must(s3.GetToFile("bench", "aws.bin", dir / "floe_back.bin"), "floe download"); });
  double aws_down = Seconds([&] {
    if (std::system((aws_env + "aws s3 cp --quiet s3://bench/floe.bin " + (dir / "aws_back.bin").string()).c_str()) !=
        0)
      std::exit(1);
  });
  double size = static_cast<double>(mib);
  std::printf("upload %d MiB:   floe %.2f s (%.0f MiB/s), aws s3 cp %.2f s (%.0f MiB/s): ratio %.2f\n", mib, floe_up,
              size / floe_up, aws_up, size / aws_up, aws_up / floe_up);
  std::printf("download %d MiB: floe %.2f s (%.0f MiB/s), aws s3 cp %.2f s (%.0f MiB/s): ratio %.2f\n", mib, floe_down,
              size / floe_down, aws_down, size / aws_down, aws_down / floe_down);

  // DuckDB over Parquet on s3:// and on local disk, on the lenient server:
  // DuckDB lists prefixes ending in '/', which moto cannot verify
  // (tests/support/s3_server.py).
  std::string lenient = server.Get("lenient_endpoint")->AsString();
  floe::storage::S3Client data({.endpoint = lenient, .path_style = true, .credentials = {"bench", "bench", ""}});
  Must(data.CreateBucket("bench"), "create bucket");
  setenv("AWS_ACCESS_KEY_ID", "bench", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "bench", 1);
  setenv("AWS_ENDPOINT_URL_S3", lenient.c_str(), 1);
  std::string local = (dir / "parquet").string();
  std::string make =
      "COPY (SELECT i AS id, i % 1000 AS k, (i * 7919) % 100003 AS v, md5(i::VARCHAR) AS s "
      "FROM range(" +
      std::to_string(rows) + ") t(i)) TO '" + local +
      "' (FORMAT parquet, FILE_SIZE_BYTES '16MB', ROW_GROUP_SIZE 500000)";
  auto made = floe::engine::RunQuery({.sql = make});
  if (!made.ok()) return 1;
  int64_t bytes = 0;
  for (const auto& f : fs::directory_iterator(local)) {
    bytes += static_cast<int64_t>(f.file_size());
    Must(data.PutFile("bench", "parquet/" + f.path().filename().string(), f.path(), {}, 16 << 20, 4), "upload parquet");
  }
  std::string agg = "SELECT k, count(*), sum(v), avg(v) FROM read_parquet('%s') GROUP BY k ORDER BY k";
  auto sql = [&](const std::string& glob) {
    char buf[512];
    std::snprintf(buf, sizeof buf, agg.c_str(), glob.c_str());
    return std::string(buf);
  };
  double local_s = Seconds([&] { Must(floe::engine::RunQuery({.sql = sql(local + "/*.parquet")}).status(), "local"); });
  double s3_s =
      Seconds([&] { Must(floe::engine::RunQuery({.sql = sql("s3://bench/parquet/*.parquet")}).status(), "s3"); });
  // DuckDB reads only the columns it needs (k, v) with ranged GETs. Files of
  // about 16 MiB, as a lake holds them: moto's ranged GET costs grow with the
  // object's size (about 450 ms on a 512 MiB object), which would measure
  // moto, not floe.
  int files = 0;
  for ([[maybe_unused]] const auto& f : fs::directory_iterator(local)) ++files;
  std::printf(
      "DuckDB GROUP BY over %.0f MiB of Parquet in %d files (%lld rows): local %.2f s, s3:// %.2f s: s3/local %.2f\n",
      static_cast<double>(bytes) / (1 << 20), files, static_cast<long long>(rows), local_s, s3_s, s3_s / local_s);
  std::system((python + " " FLOE_SOURCE_DIR "/tests/support/s3_server.py stop " + state).c_str());
  fs::remove_all(dir);
  return 0;
}
