// The C++ wrapper at run time (C++20): every byte-input overload, the non-throwing try_ calls and
// Outcome, std::error_code, and a failure turned back into the exception it holds.
// Usage: test_cpp EXAMPLES_DIR (examples/images). Prints "all C++ checks passed".
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <stegodetect.hpp>

#define CHECK(cond)                                                      \
  do {                                                                   \
    if (!(cond)) {                                                       \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                      \
    }                                                                    \
  } while (0)

static std::vector<uint8_t> read_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const std::string dir = argv[1];

  // a runtime that does not exist: no exception, the status and the places named
  {
    stegodetect::Options bad;
    bad.runtime_path("/no/such/libonnxruntime.so.1");
    auto o = stegodetect::Detector::create(&bad);
    CHECK(!o && o.status() == SD_STATUS_RUNTIME_NOT_FOUND);
    CHECK(std::string(o.status_name()) == "runtime_not_found");
    CHECK(o.message().find("/no/such/libonnxruntime.so.1") != std::string::npos);
    CHECK(o.error_code() == std::error_code(SD_STATUS_RUNTIME_NOT_FOUND, stegodetect::category()));
    CHECK(o.error_code().message() == "runtime_not_found");
    bool threw = false;
    try {
      (void)o.value();
    } catch (const stegodetect::Error &e) {
      threw = e.status() == SD_STATUS_RUNTIME_NOT_FOUND;
    }
    CHECK(threw);
  }

  stegodetect::Options opts;
  opts.rules_only();
  auto made = stegodetect::Detector::create(&opts);
  CHECK(made.ok() && made.status() == SD_STATUS_OK && made.message().empty());
  const stegodetect::Detector det = std::move(made).value();

  // every way of handing over the bytes of one stego image
  const std::vector<uint8_t> bytes = read_file(dir + "/stego-lsb.png");
  CHECK(bytes.size() > 1000);
  const std::string str(bytes.begin(), bytes.end());
  const std::string_view view(str);
  const std::span<const uint8_t> span(bytes);
  std::vector<std::byte> raw(bytes.size());
  for (size_t i = 0; i < bytes.size(); i++) raw[i] = std::byte(bytes[i]);
  const std::span<const std::byte> byte_span(raw);
  for (const auto &r : {det.scan(bytes), det.scan(str), det.scan(view), det.scan(span),
                        det.scan(byte_span), det.scan(stegodetect::ByteView(bytes.data(), bytes.size()))}) {
    CHECK(r.is_stego() && r.method_id() == 2 && *r.method_name() == "lsb.rgb");
  }

  // the non-throwing calls on success
  auto ok = det.try_scan(span);
  CHECK(ok && ok->is_stego());
  auto payload = ok->payload();
  CHECK(payload && payload->size > 10);
  auto file = det.try_scan_file(dir + "/clean-photo.png");
  CHECK(file && !file->is_stego() && file->method_id() == -1);
  auto json = det.try_extract_json(bytes);
  CHECK(json && json->find("lsb.rgb") != std::string::npos);

  // and on failure: status, name, message, error_code; value() throws what it holds
  auto missing = det.try_scan_file(dir + "/no-such-file.png");
  CHECK(!missing && missing.status() == SD_STATUS_IO && std::string(missing.status_name()) == "io");
  CHECK(missing.message().find("no-such-file.png") != std::string::npos);
  auto junk = det.try_scan(std::string_view("not an image at all"));
  CHECK(!junk && junk.status() == SD_STATUS_UNKNOWN_FORMAT);
  CHECK(junk.error_code().category().name() == std::string("stegodetect"));
  bool threw = false;
  try {
    (void)junk->is_stego();
  } catch (const stegodetect::Error &e) {
    threw = e.status() == SD_STATUS_UNKNOWN_FORMAT && std::string(e.status_name()) == "unknown_format";
  }
  CHECK(threw);
  auto truncated = det.try_extract_json(stegodetect::ByteView(bytes.data(), 40));
  CHECK(!truncated && truncated.status() != SD_STATUS_OK);

  std::printf("all C++ checks passed\n");
  return 0;
}
