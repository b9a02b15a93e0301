// The two domains of the synthetic benchmark. Training on one and testing on the other is the
// cross-dataset test: they share nothing but the idea of a talking face. They differ in identities
// (disjoint pools), voices (accents and voice variants), rendering style, frame size and codec
// settings.
#pragma once
#include <string>
#include <vector>

#include "avlens/synth/face_renderer.hpp"
#include "avlens/synth/random.hpp"

namespace avlens::synth {

enum class Domain { kA, kB };

const char* domain_name(Domain d);
Domain domain_from_name(const std::string& name);  // "A" or "B"; throws std::invalid_argument

// A speaker's voice for espeak-ng.
struct Voice {
  std::string language;  // espeak-ng voice: "en-gb", "en-us", ...
  std::string variant;   // espeak-ng variant: "m3", "f2", "klatt", ...
  int pitch = 50;        // espeak-ng -p (0..99)
  int rate = 165;        // espeak-ng -s, words per minute
  int word_gap = 0;      // espeak-ng -g, extra pause between words (10 ms units)
};

struct Person {
  Identity look;
  Voice voice;
};

// How a domain films and encodes.
struct DomainSettings {
  int width = 480, height = 360;
  RenderStyle style;
  int crf_min = 20, crf_max = 28;  // x264 constant rate factor, drawn per clip
  std::string preset = "veryfast";
  std::string profile = "high";
  int gop = 60;
  int audio_bitrate_k = 96;
  float noise_min = 1.0f, noise_max = 3.0f;  // camera noise, 8-bit levels
  float scale_min = 0.17f, scale_max = 0.22f; // head half-width as a fraction of the frame height
};

DomainSettings domain_settings(Domain d);

// The fixed identity pool of a domain (the same for every dataset seed, so that held-out clips of
// a domain share its actors, as in DFDC, while the two domains share none).
const std::vector<Person>& domain_people(Domain d);

// A clip's scene (light, background, noise) drawn for a domain.
SceneLook sample_scene(Domain d, Rng& rng);

}  // namespace avlens::synth
