/* Uses the installed C API from plain C: version, presets, error names, and a clip that does not
 * exist (a file-not-found error with a message). Prints one line per check; exits 0 when all hold. */
#include <stdio.h>
#include <string.h>

#include "avlens/avlens.h"

static int failures = 0;

static void check(int ok, const char* what) {
  printf("%s %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

int main(int argc, char** argv) {
  char expected_version[32];
  snprintf(expected_version, sizeof expected_version, "%d.%d.%d", AVLENS_VERSION_MAJOR, AVLENS_VERSION_MINOR,
           AVLENS_VERSION_PATCH);
  check(strcmp(avlens_version(), AVLENS_VERSION) == 0 && strcmp(AVLENS_VERSION, expected_version) == 0,
        "avlens_version() is the headers' AVLENS_VERSION");
  printf("version %s\n", avlens_version());

  avlens_params tiny = avlens_default_params("tiny");
  check(tiny.geometry.frames > 0 && tiny.geometry.sample_rate > 0, "the tiny preset has a geometry");
  check(tiny.geometry.audio_norm == AVLENS_AUDIO_NORM_CLIP || tiny.geometry.audio_norm == AVLENS_AUDIO_NORM_WINDOW ||
            tiny.geometry.audio_norm == AVLENS_AUDIO_NORM_NONE,
        "the preset's audio norm is an avlens_audio_norm");
  check(strcmp(avlens_error_name(AVLENS_NO_FACE), "no_face") == 0, "avlens_error_name(AVLENS_NO_FACE)");

  const char* missing = argc > 1 ? argv[1] : "/nonexistent/avlens-consumer.mp4";
  int code = AVLENS_OK;
  char message[256] = "";
  avlens_clip* clip = avlens_open_file(missing, &tiny, &code, message, sizeof message);
  check(clip == NULL && code == AVLENS_FILE_NOT_FOUND && strlen(message) > 0, "a missing clip is file_not_found");
  printf("message: %s\n", message);
  avlens_close(clip);
  return failures == 0 ? 0 : 1;
}
