#include "avlens/synth/domain.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace avlens::synth {
namespace {

constexpr int kPeoplePerDomain = 120;

Rgb jitter(Rng& rng, const Rgb& c, float amount) {
  auto j = [&](float v) { return std::max(0.0f, std::min(1.0f, v * (1 + rng.uniformf(-amount, amount)))); };
  return {j(c.r), j(c.g), j(c.b)};
}

Rgb lerp(const Rgb& a, const Rgb& b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

// Skin tones from light to deep, as display colours.
const std::vector<Rgb>& skin_palette() {
  static const std::vector<Rgb> p = {{0.95f, 0.80f, 0.70f}, {0.88f, 0.68f, 0.55f}, {0.78f, 0.57f, 0.42f},
                                     {0.64f, 0.44f, 0.31f}, {0.50f, 0.33f, 0.23f}, {0.40f, 0.26f, 0.19f}};
  return p;
}
const std::vector<Rgb>& hair_palette() {
  static const std::vector<Rgb> p = {{0.06f, 0.05f, 0.05f}, {0.18f, 0.11f, 0.07f}, {0.33f, 0.21f, 0.12f},
                                     {0.72f, 0.58f, 0.34f}, {0.52f, 0.24f, 0.10f}, {0.62f, 0.60f, 0.58f}};
  return p;
}

FaceLook sample_face(Rng& rng, const Rgb& skin, const Rgb& hair) {
  FaceLook f;
  f.skin = skin;
  f.lip = jitter(rng, lerp(skin, Rgb{0.62f, 0.22f, 0.25f}, rng.uniformf(0.35f, 0.6f)), 0.06f);
  static const std::vector<Rgb> irises = {{0.30f, 0.18f, 0.08f}, {0.15f, 0.09f, 0.05f}, {0.25f, 0.4f, 0.55f},
                                          {0.3f, 0.38f, 0.22f}, {0.4f, 0.3f, 0.15f}};
  f.iris = rng.pick(irises);
  // Brows are darker than the hair (and never light): they carry much of the face's structure.
  f.brow = jitter(rng, lerp(hair, Rgb{0.07f, 0.05f, 0.04f}, rng.uniformf(0.55f, 0.85f)), 0.05f);
  f.eye_spacing = rng.uniformf(0.37f, 0.43f);
  f.eye_v = rng.uniformf(-0.02f, 0.06f);
  f.eye_width = rng.uniformf(0.14f, 0.17f);
  f.eye_open = rng.uniformf(0.045f, 0.065f);
  f.brow_gap = rng.uniformf(0.13f, 0.18f);
  f.brow_thickness = rng.uniformf(0.036f, 0.052f);
  f.brow_arch = rng.uniformf(0.0f, 0.045f);
  f.nose_tip_v = f.eye_v - rng.uniformf(0.33f, 0.40f);
  f.nose_width = rng.uniformf(0.09f, 0.14f);
  f.mouth_v = f.nose_tip_v - rng.uniformf(0.21f, 0.27f);
  f.mouth_width = rng.uniformf(0.23f, 0.3f);
  f.lip_thickness = rng.uniformf(0.035f, 0.055f);
  return f;
}

Voice sample_voice(Domain d, Rng& rng, bool female) {
  // The domains use disjoint accents and voice variants.
  static const std::vector<std::string> lang_a = {"en-gb", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan"};
  static const std::vector<std::string> lang_b = {"en-us", "en-us-nyc", "en-029", "en-gb-x-gbcwmd"};
  static const std::vector<std::string> male_a = {"m1", "m2", "m3", "m4", "Andy", "david", "edward", "john"};
  static const std::vector<std::string> female_a = {"f1", "f2", "f3", "Annie", "linda", "belinda"};
  static const std::vector<std::string> male_b = {"m5", "m6", "m7", "klatt", "klatt3", "Mike", "paul", "robert"};
  static const std::vector<std::string> female_b = {"f4", "f5", "klatt4", "Alicia", "anika", "steph"};
  Voice v;
  v.language = rng.pick(d == Domain::kA ? lang_a : lang_b);
  v.variant = rng.pick(d == Domain::kA ? (female ? female_a : male_a) : (female ? female_b : male_b));
  v.pitch = rng.integer(female ? 45 : 25, female ? 80 : 60);
  v.rate = d == Domain::kA ? rng.integer(150, 180) : rng.integer(165, 200);
  v.word_gap = rng.integer(0, 2);
  return v;
}

Person sample_person(Domain d, Rng& rng) {
  Person p;
  const auto& skins = skin_palette();
  // Continuous skin tone along the palette.
  const float t = rng.uniformf(0.0f, static_cast<float>(skins.size() - 1) - 1e-3f);
  const size_t i = static_cast<size_t>(t);
  const Rgb skin = jitter(rng, lerp(skins[i], skins[i + 1], t - static_cast<float>(i)), 0.04f);
  const bool female = rng.chance(0.5);
  // Fair hair is rare on deep skin tones in the pool, grey hair rare overall.
  Rgb hair = hair_palette()[static_cast<size_t>(rng.integer(0, t > 3 ? 2 : 4))];
  if (rng.chance(0.08)) hair = hair_palette()[5];
  hair = jitter(rng, hair, 0.1f);

  HeadLook& h = p.look.head;
  h.aspect = rng.uniformf(1.28f, 1.42f);
  h.jaw_taper = rng.uniformf(0.18f, female ? 0.34f : 0.28f);
  h.skin = skin;
  h.hair = hair;
  h.hair_style = female ? (rng.chance(0.55) ? 1 : 3) : (rng.chance(0.75) ? 0 : 2);
  if (!female && rng.chance(0.1)) h.hair_style = 3;
  h.hairline_v = rng.uniformf(0.42f, 0.55f);
  h.hair_volume = rng.uniformf(1.05f, 1.18f);
  h.ear_size = rng.uniformf(0.17f, 0.22f);
  static const std::vector<Rgb> clothes = {{0.15f, 0.2f, 0.35f}, {0.5f, 0.1f, 0.12f}, {0.2f, 0.2f, 0.2f},
                                           {0.8f, 0.8f, 0.78f}, {0.25f, 0.4f, 0.25f}, {0.55f, 0.45f, 0.3f}};
  h.clothing = jitter(rng, rng.pick(clothes), 0.15f);
  p.look.face = sample_face(rng, skin, hair);
  p.voice = sample_voice(d, rng, female);
  return p;
}

std::vector<Person> make_people(Domain d) {
  Rng rng(derive_seed(d == Domain::kA ? 0xA11CEULL : 0xB0BULL, "people"));
  std::vector<Person> people;
  for (int i = 0; i < kPeoplePerDomain; ++i) people.push_back(sample_person(d, rng));
  return people;
}

}  // namespace

const char* domain_name(Domain d) { return d == Domain::kA ? "A" : "B"; }

Domain domain_from_name(const std::string& name) {
  if (name == "A" || name == "a") return Domain::kA;
  if (name == "B" || name == "b") return Domain::kB;
  throw std::invalid_argument("unknown domain '" + name + "' (expected A or B)");
}

DomainSettings domain_settings(Domain d) {
  DomainSettings s;
  if (d == Domain::kA) {
    // "Studio": landscape 480x360, smooth shading, soft camera, clean encodes.
    s.width = 480;
    s.height = 360;
    s.style.shade_levels = 0;
    s.style.outline = 0.0f;
    s.style.saturation = 1.0f;
    s.style.contrast = 1.0f;
    s.style.specular = 0.12f;
    s.style.feature_sharpness = 1.3f;
    s.crf_min = 18;
    s.crf_max = 26;
    s.preset = "veryfast";
    s.profile = "high";
    s.gop = 60;
    s.audio_bitrate_k = 128;
    s.noise_min = 0.5f;
    s.noise_max = 2.5f;
    s.scale_min = 0.17f;
    s.scale_max = 0.22f;
  } else {
    // "Phone": portrait 360x480, banded (cel) shading with outlines, punchy colours, noisier and
    // more compressed.
    s.width = 360;
    s.height = 480;
    s.style.shade_levels = 5;
    s.style.outline = 0.5f;
    s.style.saturation = 1.25f;
    s.style.contrast = 1.1f;
    s.style.specular = 0.18f;
    s.style.feature_sharpness = 0.8f;
    s.crf_min = 26;
    s.crf_max = 34;
    s.preset = "superfast";
    s.profile = "main";
    s.gop = 30;
    s.audio_bitrate_k = 64;
    s.noise_min = 2.0f;
    s.noise_max = 5.0f;
    s.scale_min = 0.13f;
    s.scale_max = 0.17f;
  }
  return s;
}

const std::vector<Person>& domain_people(Domain d) {
  static std::once_flag once;
  static std::vector<Person> a, b;
  std::call_once(once, [] {
    a = make_people(Domain::kA);
    b = make_people(Domain::kB);
  });
  return d == Domain::kA ? a : b;
}

SceneLook sample_scene(Domain d, Rng& rng) {
  SceneLook s;
  const bool studio = d == Domain::kA;
  // Key light from the upper left or right, in front of the face.
  const float side = rng.chance(0.5) ? -1.0f : 1.0f;
  s.light_dir[0] = side * rng.uniformf(0.1f, studio ? 0.5f : 0.4f);
  s.light_dir[1] = rng.uniformf(0.2f, 0.6f);
  s.light_dir[2] = rng.uniformf(0.6f, 1.0f);
  s.ambient = studio ? rng.uniformf(0.4f, 0.5f) : rng.uniformf(0.4f, 0.5f);
  s.key = studio ? rng.uniformf(0.55f, 0.7f) : rng.uniformf(0.5f, 0.65f);
  const float warm = rng.uniformf(-1.0f, 1.0f) * (studio ? 0.04f : 0.1f);
  s.light = {1.0f + warm, 1.0f, 1.0f - warm * 1.5f};
  if (studio) {
    const float base = rng.uniformf(0.25f, 0.75f);
    const Rgb tint{rng.uniformf(0.85f, 1.1f), rng.uniformf(0.85f, 1.1f), rng.uniformf(0.85f, 1.15f)};
    s.bg_top = {base * tint.r, base * tint.g, base * tint.b};
    const float fall = rng.uniformf(0.6f, 0.95f);
    s.bg_bottom = {s.bg_top.r * fall, s.bg_top.g * fall, s.bg_top.b * fall};
    s.bg_pattern = rng.chance(0.7) ? 0 : 1;
    s.vignette = rng.uniformf(0.1f, 0.35f);
  } else {
    s.bg_top = {rng.uniformf(0.2f, 0.9f), rng.uniformf(0.2f, 0.9f), rng.uniformf(0.2f, 0.9f)};
    s.bg_bottom = {rng.uniformf(0.15f, 0.7f), rng.uniformf(0.15f, 0.7f), rng.uniformf(0.15f, 0.7f)};
    s.bg_pattern = rng.integer(1, 3);
    s.vignette = rng.uniformf(0.0f, 0.2f);
  }
  s.bg_accent = {rng.uniformf(0.3f, 0.9f), rng.uniformf(0.3f, 0.9f), rng.uniformf(0.3f, 0.9f)};
  s.bg_seed = rng.next();
  s.noise_sigma = 0;  // set by the clip from the domain's range
  return s;
}

}  // namespace avlens::synth
