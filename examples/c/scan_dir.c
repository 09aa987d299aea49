/* Scan every file of a directory with libstegodetect and print one line per file.
 * Exit code as the CLI: 0 all clean, 1 stego found, 2 errors.
 * Build: make (pkg-config) or cmake; see README.md. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <stegodetect.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: %s DIR\n", argv[0]); return 2; }
  SdDetector *det = NULL;
  if (sd_detector_new(NULL, &det) != SD_STATUS_OK) {
    fprintf(stderr, "cannot create the detector: %s\n", sd_last_error_message());
    return 2;
  }
  DIR *dir = opendir(argv[1]);
  if (!dir) { perror(argv[1]); sd_detector_free(det); return 2; }
  int stego = 0, errors = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const char *dot = strrchr(e->d_name, '.');
    if (dot && strcmp(dot, ".json") == 0) continue; /* sidecars */
    SdResult *r = NULL;
    SdStatus s = sd_scan_file(det, path, &r);
    if (s != SD_STATUS_OK) {
      printf("%s: ERROR (%d) %s\n", e->d_name, (int)s, sd_last_error_message());
      errors++;
      continue;
    }
    if (sd_result_is_stego(r)) {
      const uint8_t *payload = NULL;
      size_t len = 0;
      int has = sd_result_payload(r, &payload, &len) == SD_STATUS_OK;
      printf("%s: stego (%s) p=%.3f payload %zu bytes\n", e->d_name, sd_result_method_name(r),
             sd_result_probability(r), has ? len : (size_t)0);
      stego++;
    } else {
      printf("%s: clean p=%.3f\n", e->d_name, sd_result_probability(r));
    }
    sd_result_free(r);
  }
  closedir(dir);
  sd_detector_free(det);
  return errors ? 2 : stego ? 1 : 0;
}
