// stegodetect: C++17 header-only wrapper over the C API (stegodetect.h).
//
// Owning types release their handles in their destructors (move-only). Two ways to see failures:
// the plain calls throw stegodetect::Error carrying the SdStatus and the library's message; the
// try_ calls (Detector::create, try_scan_file, try_scan, try_extract_json) return an
// Outcome<T> holding the value or the status, message and std::error_code instead. Inputs are
// byte views (ByteView from a std::string_view, a std::vector<uint8_t>, a std::span of bytes in
// C++20, or a pointer and a size).
//
//   stegodetect::Detector det;                       // the built-in model
//   auto r = det.scan_file("image.png");
//   if (r.is_stego()) std::cout << *r.method_name() << " " << r.probability() << "\n";
//
//   auto o = det.try_scan_file("image.png");         // no exception
//   if (!o) std::cerr << o.status_name() << ": " << o.message() << "\n";
#ifndef STEGODETECT_HPP
#define STEGODETECT_HPP

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>
#if __cplusplus >= 202002L && __has_include(<span>)
#include <span>
#define STEGODETECT_HAS_SPAN 1
#endif

#include "stegodetect.h"

namespace stegodetect {

/// A failed call: the status and the library's message.
class Error : public std::runtime_error {
 public:
  Error(SdStatus status, const char *message)
      : std::runtime_error(message ? message : "stegodetect error"), status_(status) {}
  SdStatus status() const noexcept { return status_; }
  /// The status's name ("decode", "limit", ...).
  const char *status_name() const noexcept { return sd_status_name(status_); }

 private:
  SdStatus status_;
};

inline void check(SdStatus s) {
  if (s != SD_STATUS_OK) throw Error(s, sd_last_error_message());
}

/// The error category of SdStatus values: `std::error_code(status, stegodetect::category())`;
/// message() is the status's name.
inline const std::error_category &category() noexcept {
  struct Category final : std::error_category {
    const char *name() const noexcept override { return "stegodetect"; }
    std::string message(int status) const override { return sd_status_name(status); }
  };
  static const Category c;
  return c;
}

/// What a try_ call returns: the value, or the status and message of the failure. Moving the value
/// out of a failed Outcome (value()) throws the Error it holds.
template <class T>
class Outcome {
 public:
  Outcome(T value) : value_(std::move(value)) {}
  /// A failure with the library's message of the failing call on this thread.
  static Outcome failure(SdStatus status) {
    const char *m = sd_last_error_message();
    return Outcome(status, m ? m : "stegodetect error");
  }
  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  /// SD_STATUS_OK on success.
  SdStatus status() const noexcept { return status_; }
  const char *status_name() const noexcept { return sd_status_name(status_); }
  /// The library's message ("" on success).
  const std::string &message() const noexcept { return message_; }
  std::error_code error_code() const noexcept { return std::error_code(int(status_), category()); }
  T &value() & { throw_if_failed(); return *value_; }
  const T &value() const & { throw_if_failed(); return *value_; }
  T &&value() && { throw_if_failed(); return std::move(*value_); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }

 private:
  Outcome(SdStatus status, std::string message) : status_(status), message_(std::move(message)) {}
  void throw_if_failed() const {
    if (!value_) throw Error(status_, message_.c_str());
  }
  std::optional<T> value_;
  SdStatus status_ = SD_STATUS_OK;
  std::string message_;
};

/// Read-only bytes: from a string_view, a vector or a pointer and a size (not owned).
struct ByteView {
  const uint8_t *data = nullptr;
  size_t size = 0;
  ByteView() = default;
  ByteView(const uint8_t *d, size_t n) : data(d), size(n) {}
  ByteView(std::string_view s) : data(reinterpret_cast<const uint8_t *>(s.data())), size(s.size()) {}
  ByteView(const std::vector<uint8_t> &v) : data(v.data()), size(v.size()) {}
#ifdef STEGODETECT_HAS_SPAN
  ByteView(std::span<const uint8_t> s) : data(s.data()), size(s.size()) {}
  ByteView(std::span<const std::byte> s) : data(reinterpret_cast<const uint8_t *>(s.data())), size(s.size()) {}
#endif
};

/// Takes a string the library allocated and frees it.
inline std::string take(char *s) {
  std::string out(s ? s : "");
  sd_string_free(s);
  return out;
}

/// The metrics registry (shared with every detector built with Options::metrics).
class Metrics {
 public:
  Metrics() { check(sd_metrics_new(&h_)); }
  ~Metrics() { sd_metrics_free(h_); }
  Metrics(Metrics &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Metrics &operator=(Metrics &&o) noexcept { std::swap(h_, o.h_); return *this; }
  Metrics(const Metrics &) = delete;
  Metrics &operator=(const Metrics &) = delete;

  SdMetricsSnapshot snapshot() const { SdMetricsSnapshot s{}; check(sd_metrics_snapshot(h_, &s)); return s; }
  std::string snapshot_json() const { char *s = nullptr; check(sd_metrics_snapshot_json(h_, &s)); return take(s); }
  std::string prometheus() const { char *s = nullptr; check(sd_metrics_prometheus(h_, &s)); return take(s); }
  /// True label of a scan: method_id 0-9 for stego (see sd_result_method_id), -1 for clean.
  void record_truth(uint64_t scan_id, bool stego, int32_t method_id) const {
    check(sd_metrics_record_truth(h_, scan_id, stego, method_id));
  }
  /// One JSONL record per scan into `path` (empty: stop logging); rotated past max_bytes.
  void set_log(const std::string &path, uint64_t max_bytes = 0) const {
    check(sd_metrics_set_log(h_, path.empty() ? nullptr : path.c_str(), max_bytes));
  }
  void reset() const { check(sd_metrics_reset(h_)); }
  const SdMetrics *handle() const noexcept { return h_; }

 private:
  SdMetrics *h_ = nullptr;
};

/// Detector options; setters chain.
class Options {
 public:
  Options() { check(sd_options_new(&h_)); }
  ~Options() { sd_options_free(h_); }
  Options(Options &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Options &operator=(Options &&o) noexcept { std::swap(h_, o.h_); return *this; }
  Options(const Options &) = delete;
  Options &operator=(const Options &) = delete;

  Options &model_path(const std::string &p) { check(sd_options_set_model_path(h_, p.c_str())); return *this; }
  Options &rules_only() { check(sd_options_set_rules_only(h_)); return *this; }
  Options &runtime_path(const std::string &p) { check(sd_options_set_runtime_path(h_, p.c_str())); return *this; }
  Options &threshold(float t) { check(sd_options_set_threshold(h_, t)); return *this; }
  Options &limits(uint64_t max_file_bytes, uint64_t max_pixels, uint32_t max_frames) {
    check(sd_options_set_limits(h_, max_file_bytes, max_pixels, max_frames));
    return *this;
  }
  Options &threads(uint32_t n) { check(sd_options_set_threads(h_, n)); return *this; }
  Options &extract(bool on) { check(sd_options_set_extract(h_, on)); return *this; }
  Options &metrics(const Metrics &m) { check(sd_options_set_metrics(h_, m.handle())); return *this; }
  const SdOptions *handle() const noexcept { return h_; }

 private:
  SdOptions *h_ = nullptr;
};

/// One verdict.
class Result {
 public:
  explicit Result(SdResult *h) : h_(h) {}
  ~Result() { sd_result_free(h_); }
  Result(Result &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Result &operator=(Result &&o) noexcept { std::swap(h_, o.h_); return *this; }
  Result(const Result &) = delete;
  Result &operator=(const Result &) = delete;

  bool is_stego() const { return sd_result_is_stego(h_); }
  float probability() const { return sd_result_probability(h_); }
  /// 0 alpha, 1 palette, 2 lsb.rgb, 3 exif, 4 raw, 5 jpeg.jsteg, 6 jpeg.f5, 7 jpeg.outguess,
  /// 8 jpeg.steghide, 9 jpeg.generic; -1 when clean.
  int32_t method_id() const { return sd_result_method_id(h_); }
  /// The method's name (valid while this result lives; not callable on a temporary Result, whose
  /// view would dangle: keep the Result in a variable).
  std::optional<std::string_view> method_name() const & {
    const char *m = sd_result_method_name(h_);
    return m ? std::optional<std::string_view>(m) : std::nullopt;
  }
  std::optional<std::string_view> method_name() const && = delete;
  /// The tool recognised ("stegano", "stego-lsb", "cloacked-pixel", "stepic", "jsteg" by the payload's format;
  /// "steghide", "outguess" by the learned JPEG model), if any (valid while this result lives; not
  /// callable on a temporary).
  std::optional<std::string_view> tool_name() const & {
    const char *t = sd_result_tool_name(h_);
    return t ? std::optional<std::string_view>(t) : std::nullopt;
  }
  std::optional<std::string_view> tool_name() const && = delete;
  /// The verdict's score of one method (0-9), -1 for an unknown id.
  float score(int32_t method_id) const { return sd_result_score(h_, method_id); }
  uint64_t scan_id() const { return sd_result_scan_id(h_); }
  std::array<float, 5> scores() const { std::array<float, 5> s{}; check(sd_result_scores(h_, s.data())); return s; }
  /// The recovered payload (valid while this result lives; not callable on a temporary), if any.
  std::optional<ByteView> payload() const && = delete;
  std::optional<ByteView> payload() const & {
    const uint8_t *d = nullptr;
    size_t n = 0;
    SdStatus s = sd_result_payload(h_, &d, &n);
    if (s == SD_STATUS_NOT_FOUND) return std::nullopt;
    check(s);
    return ByteView(d, n);
  }
  /// 0 MSB-first, 1 LSB-first, -1 none.
  int32_t bit_order() const { return sd_result_bit_order(h_); }
  SdImageInfo image() const { SdImageInfo i{}; check(sd_result_image_info(h_, &i)); return i; }
  SdTimings timings() const { SdTimings t{}; check(sd_result_timings(h_, &t)); return t; }
  std::string json() const { char *s = nullptr; check(sd_result_json(h_, &s)); return take(s); }

 private:
  SdResult *h_ = nullptr;
};

/// A detector; one may be shared between threads.
class Detector {
 public:
  Detector() { check(sd_detector_new(nullptr, &h_)); }
  explicit Detector(const Options &o) { check(sd_detector_new(o.handle(), &h_)); }
  /// Without exceptions: the detector, or why it could not be made (e.g. SD_STATUS_RUNTIME_NOT_FOUND
  /// with the places searched for ONNX Runtime). `options` nullptr: defaults.
  static Outcome<Detector> create(const Options *options = nullptr) {
    SdDetector *h = nullptr;
    SdStatus s = sd_detector_new(options ? options->handle() : nullptr, &h);
    if (s != SD_STATUS_OK) return Outcome<Detector>::failure(s);
    return Detector(h);
  }
  ~Detector() { sd_detector_free(h_); }
  Detector(Detector &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Detector &operator=(Detector &&o) noexcept { std::swap(h_, o.h_); return *this; }
  Detector(const Detector &) = delete;
  Detector &operator=(const Detector &) = delete;

  Result scan_file(const std::string &path) const {
    SdResult *r = nullptr;
    check(sd_scan_file(h_, path.c_str(), &r));
    return Result(r);
  }
  Result scan(ByteView b) const {
    SdResult *r = nullptr;
    check(sd_scan_buffer(h_, b.data, b.size, &r));
    return Result(r);
  }
  /// The bytes of an image held in a string (not a path: see scan_file).
  Result scan(const std::string &bytes) const { return scan(ByteView(std::string_view(bytes))); }
  Result scan(std::string_view bytes) const { return scan(ByteView(bytes)); }
  /// A C string is refused: a path goes to scan_file; bytes in a literal need a std::string_view.
  Result scan(const char *) const = delete;
  Result scan(const std::vector<uint8_t> &bytes) const { return scan(ByteView(bytes)); }
#ifdef STEGODETECT_HAS_SPAN
  Result scan(std::span<const uint8_t> bytes) const { return scan(ByteView(bytes)); }
  Result scan(std::span<const std::byte> bytes) const { return scan(ByteView(bytes)); }
#endif
  /// scan_file without exceptions (only std::bad_alloc can escape).
  Outcome<Result> try_scan_file(const std::string &path) const {
    SdResult *r = nullptr;
    SdStatus s = sd_scan_file(h_, path.c_str(), &r);
    if (s != SD_STATUS_OK) return Outcome<Result>::failure(s);
    return Result(r);
  }
  /// scan without exceptions (only std::bad_alloc can escape).
  Outcome<Result> try_scan(ByteView b) const {
    SdResult *r = nullptr;
    SdStatus s = sd_scan_buffer(h_, b.data, b.size, &r);
    if (s != SD_STATUS_OK) return Outcome<Result>::failure(s);
    return Result(r);
  }
  /// Scan many images in parallel: per image a Result, or the Error it failed with.
  std::vector<std::pair<std::optional<Result>, SdStatus>> scan_many(const std::vector<ByteView> &items) const {
    std::vector<const uint8_t *> data;
    std::vector<size_t> lens;
    for (const auto &b : items) { data.push_back(b.data); lens.push_back(b.size); }
    std::vector<SdResult *> res(items.size(), nullptr);
    std::vector<SdStatus> st(items.size(), SD_STATUS_OK);
    check(sd_scan_buffers(h_, data.data(), lens.data(), items.size(), res.data(), st.data()));
    std::vector<std::pair<std::optional<Result>, SdStatus>> out;
    for (size_t i = 0; i < items.size(); i++)
      out.emplace_back(res[i] ? std::optional<Result>(Result(res[i])) : std::nullopt, st[i]);
    return out;
  }
  /// Every payload in an image, as JSON.
  std::string extract_json(ByteView b) const {
    char *s = nullptr;
    check(sd_extract_buffer(h_, b.data, b.size, &s));
    return take(s);
  }
  /// extract_json without exceptions (only std::bad_alloc can escape).
  Outcome<std::string> try_extract_json(ByteView b) const {
    char *s = nullptr;
    SdStatus st = sd_extract_buffer(h_, b.data, b.size, &s);
    if (st != SD_STATUS_OK) return Outcome<std::string>::failure(st);
    return take(s);
  }

 private:
  explicit Detector(SdDetector *h) noexcept : h_(h) {}
  SdDetector *h_ = nullptr;
};

}  // namespace stegodetect

#endif  // STEGODETECT_HPP
