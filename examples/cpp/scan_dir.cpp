// Scan every file of a directory with the C++ wrapper (stegodetect.hpp); same output and exit
// codes as examples/c/scan_dir.c. Shows a metrics registry shared with the detector.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <stegodetect.hpp>

int main(int argc, char **argv) {
  if (argc != 2) { std::cerr << "usage: " << argv[0] << " DIR\n"; return 2; }
  try {
    stegodetect::Metrics metrics;
    stegodetect::Detector det(stegodetect::Options().metrics(metrics));
    int stego = 0, errors = 0;
    for (const auto &entry : std::filesystem::directory_iterator(argv[1])) {
      if (!entry.is_regular_file() || entry.path().extension() == ".json") continue;
      const auto name = entry.path().filename().string();
      try {
        auto r = det.scan_file(entry.path().string());
        if (r.is_stego()) {
          auto p = r.payload();
          std::printf("%s: stego (%s) p=%.3f payload %zu bytes\n", name.c_str(),
                      std::string(*r.method_name()).c_str(), r.probability(), p ? p->size : size_t{0});
          stego++;
        } else {
          std::printf("%s: clean p=%.3f\n", name.c_str(), r.probability());
        }
      } catch (const stegodetect::Error &e) {
        std::printf("%s: ERROR (%d) %s\n", name.c_str(), int(e.status()), e.what());
        errors++;
      }
    }
    auto s = metrics.snapshot();
    std::printf("metrics: %llu scans, %llu stego, %llu errors, p95 %.2f ms\n",
                (unsigned long long)s.scans, (unsigned long long)s.stego,
                (unsigned long long)s.errors, s.total_p95_us / 1000.0);
    return errors ? 2 : stego ? 1 : 0;
  } catch (const stegodetect::Error &e) {
    std::cerr << "stegodetect: " << e.what() << "\n";
    return 2;
  }
}
