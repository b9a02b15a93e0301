#include "avlens/synth/face_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "avlens/synth/random.hpp"

namespace avlens::synth {
namespace {

constexpr int kNoiseTile = 256;
constexpr float kHeadDepth = 1.1f;  // head depth / head half-width

// Per-pixel transcendental functions made of + - * / only: faster than libm's, and the same bits
// on every IEEE-754 machine (libm picks CPU-specific code paths at run time).
inline float gauss(float x) {  // exp(-x) for x >= 0
  if (x <= 0) return 1.0f;
  if (x > 30) return 0.0f;
  const float y = x * 1.44269504f;  // log2(e)
  const int i = static_cast<int>(y);
  const float f = y - static_cast<float>(i);
  // 2^-f on [0, 1): a degree-5 polynomial (max rel. error ~1e-5).
  const float p = 1.0f + f * (-0.693147f + f * (0.240227f + f * (-0.0555041f + f * (0.00961813f + f * -0.00133336f))));
  return std::ldexp(p, -i);
}
inline float wave(float x) {  // sin(x)
  constexpr float kTwoPi = 6.28318531f, kPi = 3.14159265f;
  x -= kTwoPi * static_cast<float>(static_cast<int>(x / kTwoPi + (x >= 0 ? 0.5f : -0.5f)));
  if (x > kPi * 0.5f) x = kPi - x;
  if (x < -kPi * 0.5f) x = -kPi - x;
  const float x2 = x * x;
  return x * (1.0f + x2 * (-0.16666667f + x2 * (0.0083333310f + x2 * -0.00019840874f)));
}
inline float pow24(float x) {
  const float x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
  return x8 * x8 * x8;
}

inline float clamp01(float x) { return x < 0 ? 0 : (x > 1 ? 1 : x); }
inline float smooth(float e0, float e1, float x) {
  const float t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}
// One-pixel anti-aliased coverage of a signed distance d (> 0 inside); k = 1 / (2 px).
inline float aa(float d, float k) {
  const float t = clamp01(0.5f + d * k);
  return t * t * (3 - 2 * t);
}
inline Rgb mix(const Rgb& a, const Rgb& b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}
inline Rgb scale(const Rgb& a, float s) { return {a.r * s, a.g * s, a.b * s}; }
inline Rgb mul(const Rgb& a, const Rgb& b) { return {a.r * b.r, a.g * b.g, a.b * b.b}; }

struct Vec3 {
  float x, y, z;
};
inline float dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 normalize(const Vec3& a) {
  const float n2 = dot(a, a);
  if (!(n2 > 0)) return a;
  const float inv = 1.0f / std::sqrt(n2);
  return Vec3{a.x * inv, a.y * inv, a.z * inv};
}

// Rotation head frame -> camera frame: yaw about y, then pitch about x.
struct Rotation {
  float m[3][3];
  Rotation(float yaw, float pitch) {
    const float cy = std::cos(yaw), sy = std::sin(yaw), cp = std::cos(pitch), sp = std::sin(pitch);
    // R = Rx(pitch) * Ry(yaw)
    const float ry[3][3] = {{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}};
    const float rx[3][3] = {{1, 0, 0}, {0, cp, -sp}, {0, sp, cp}};
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        m[i][j] = 0;
        for (int k = 0; k < 3; ++k) m[i][j] += rx[i][k] * ry[k][j];
      }
  }
  Vec3 apply(const Vec3& v) const {
    return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z, m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
            m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
  }
  Vec3 inverse(const Vec3& v) const {
    return {m[0][0] * v.x + m[1][0] * v.y + m[2][0] * v.z, m[0][1] * v.x + m[1][1] * v.y + m[2][1] * v.z,
            m[0][2] * v.x + m[1][2] * v.y + m[2][2] * v.z};
  }
};

// What the features of the face contribute at one surface point.
struct Surface {
  Rgb albedo;
  float occlusion = 1.0f;      // ambient occlusion (sockets, nostrils, mouth corners)
  float bump_u = 0, bump_v = 0;// height-field gradient (nose, sockets, lips)
  float gloss = 1.0f;          // specular multiplier
};

// The inner face (eyes, brows, nose, mouth) painted over `s` at face coordinates (u, v).
// `px` is the size of one pixel in head units, for one-pixel anti-aliasing.
void paint_face(const FaceLook& f, const Expression& e, float u, float v, float px, Surface& s) {
  const float k_aa = 0.5f / px;
  const float au = std::fabs(u);

  // Cheeks: a little colour.
  {
    const float du = au - 0.5f, dv = v - (f.nose_tip_v + 0.05f);
    if (du * du + dv * dv < 0.09f) {
      const float w = gauss((du * du + dv * dv) / 0.02f) * 0.12f;
      s.albedo = mix(s.albedo, Rgb{s.albedo.r * 1.05f, s.albedo.g * 0.82f, s.albedo.b * 0.82f}, w);
    }
  }

  // Eyes, sockets and brows (mirrored: du > 0 is towards the outer corner).
  const float du = au - f.eye_spacing;
  const float dv = v - f.eye_v;
  if (std::fabs(du) < 0.34f && dv > -0.22f && dv < 0.32f) {
    // Socket: a concave region that the light and the ambient reach less.
    const float sock = gauss((du * du) / (2 * 0.16f * 0.16f) + (dv - 0.03f) * (dv - 0.03f) / (2 * 0.09f * 0.09f));
    s.occlusion *= 1.0f - 0.32f * sock;
    s.bump_u += (u > 0 ? 1.f : -1.f) * du / (0.16f * 0.16f) * sock * 0.015f;
    s.bump_v += (dv - 0.03f) / (0.09f * 0.09f) * sock * 0.015f;

    // Brow: an arched band above the eye, thinner towards the outer end.
    const float bu = du - 0.01f;
    if (bu > -0.21f && bu < 0.23f) {
      const float t = bu / 0.22f;
      const float centre = f.brow_gap + e.brow_raise * 0.04f + f.brow_arch * (1 - t * t);
      const float half = 0.5f * f.brow_thickness * (1.1f - 0.45f * clamp01((bu + 0.21f) / 0.44f));
      const float d = half - std::fabs(dv - centre);  // > 0 inside
      const float ends = smooth(-0.21f, -0.17f, bu) * (1 - smooth(0.19f, 0.23f, bu));
      const float a = aa(d, k_aa) * ends * 0.92f;
      if (a > 0) s.albedo = mix(s.albedo, f.brow, a);
    }

    // The eye opening: an almond between an upper and a lower lid curve.
    const float t = du / f.eye_width;
    if (std::fabs(t) < 1.25f) {
      const float prof = std::sqrt(std::max(0.0f, 1 - t * t));
      const float inner_lift = 1.0f + 0.12f * (-t);  // the inner corner sits a little lower/rounder
      const float lower = -0.72f * f.eye_open * prof;
      const float upper_open = f.eye_open * prof * inner_lift * (1 + 0.15f * e.brow_raise);
      const float upper = lower + (upper_open - lower) * (1 - e.blink);
      const float inside = std::min(upper - dv, dv - lower);
      // Lash line: a dark band along the upper lid (also the closed lid line).
      const float lash_w = 0.012f + 0.008f * clamp01(t + 0.3f);
      const float lash_d = lash_w - std::fabs(dv - upper - lash_w * 0.4f);
      const float lash = aa(lash_d, k_aa) * smooth(1.18f, 0.95f, std::fabs(t));
      // Lid crease, a soft line above the lid.
      const float crease_d = std::fabs(dv - (upper_open + 0.04f));
      const float crease = (1 - smooth(0.0f, 0.012f + px, crease_d)) * 0.35f * prof;
      if (crease > 0) s.albedo = scale(s.albedo, 1 - crease * 0.5f);
      const float open_a = aa(inside, k_aa) * (std::fabs(t) < 1 ? 1.f : 0.f);
      if (open_a > 0) {
        Rgb eye{0.86f, 0.84f, 0.80f};
        const float iu = du - e.gaze_u * f.eye_width * 0.45f;
        const float iv = dv - e.gaze_v * f.eye_open * 0.4f + 0.005f;
        const float ir = f.eye_open * 1.05f;
        const float r = std::sqrt(iu * iu + iv * iv);
        eye = mix(eye, f.iris, aa(-(r - ir), k_aa));
        eye = mix(eye, Rgb{0.03f, 0.03f, 0.03f}, aa(-(r - ir * 0.42f), k_aa));
        // The upper lid shades the eye ball.
        eye = scale(eye, 0.75f + 0.25f * clamp01((upper - dv) / (f.eye_open * 0.8f)));
        s.albedo = mix(s.albedo, eye, open_a);
        s.gloss = 1.6f;
      }
      if (lash > 0) s.albedo = mix(s.albedo, Rgb{0.05f, 0.04f, 0.04f}, lash * 0.95f);
      // Lower lid line, faint.
      const float low_d = std::fabs(dv - lower + 0.006f);
      const float low = (1 - smooth(0.0f, 0.006f + px, low_d)) * 0.3f * prof * (1 - e.blink);
      if (low > 0) s.albedo = scale(s.albedo, 1 - low);
    }
  }

  // Nose: a ridge that widens to a rounded tip (a height field), nostrils and the shadow below.
  const float nose_top = f.eye_v + 0.02f;
  if (au < 0.3f && v < nose_top + 0.05f && v > f.nose_tip_v - 0.14f) {
    const float along = clamp01((nose_top - v) / (nose_top - f.nose_tip_v));
    const float w = 0.045f + (f.nose_width * 0.55f - 0.045f) * along * along;
    if (v > f.nose_tip_v - 0.02f) {
      const float h = 0.012f * gauss(u * u / (2 * w * w));
      s.bump_u += -u / (w * w) * h;
    }
    const float tv = v - (f.nose_tip_v + 0.03f);
    const float tip = gauss((u * u + tv * tv * 1.5f) / (2 * 0.06f * 0.06f));
    s.bump_u += -u / (0.06f * 0.06f) * tip * 0.012f;
    s.bump_v += -tv * 1.5f / (0.06f * 0.06f) * tip * 0.012f;
    s.gloss *= 1 + 0.8f * tip;
    // Nostrils.
    const float nu = au - f.nose_width * 0.5f, nv = v - (f.nose_tip_v - 0.01f);
    const float nd = 1 - std::sqrt(nu * nu / (0.032f * 0.032f) + nv * nv / (0.017f * 0.017f));
    const float na = aa(nd * 0.017f, k_aa);  // nd scaled to head units by the short radius
    if (na > 0) s.albedo = mix(s.albedo, scale(s.albedo, 0.3f), na * 0.9f);
    // The shadow under the nose tip.
    const float sv = v - (f.nose_tip_v - 0.05f);
    if (au < f.nose_width * 1.1f) {
      const float sh = gauss(sv * sv / (2 * 0.03f * 0.03f)) * (1 - smooth(f.nose_width * 0.6f, f.nose_width * 1.1f, au));
      s.occlusion *= 1 - 0.35f * sh;
    }
  }

  // Mouth: lips around an opening whose height and width follow the expression.
  const float mv = v - f.mouth_v;
  const float round = e.mouth_round;
  const float open = clamp01(e.mouth_open);
  const float mw = f.mouth_width * (1 - 0.3f * std::max(0.0f, round) + 0.1f * std::max(0.0f, -round)) *
                   (1 - 0.06f * open);
  if (au < mw * 1.35f && mv > -0.3f && mv < 0.16f) {
    const float t = u / mw;
    const float prof = std::sqrt(std::max(0.0f, 1 - t * t));
    const float oh = open * 0.12f * (1 + 0.3f * std::max(0.0f, round));
    const float top = oh * 0.45f * prof, bot = -oh * prof;
    const float lt = f.lip_thickness * (1 + 0.3f * std::max(0.0f, round));
    const float tl = std::min(1.0f, std::fabs(t) / 1.08f);
    const float lip_prof = std::sqrt(std::max(0.0f, 1 - tl * tl));
    // Cupid's bow: the upper lip dips at the centre.
    const float bow = 0.012f * gauss(t * t / 0.02f);
    const float upper_edge = top + lt * 0.8f * (0.35f + 0.65f * lip_prof) - bow;
    const float lower_edge = bot - lt * 1.15f * (0.3f + 0.7f * lip_prof);
    const float lip_d = std::min(upper_edge - mv, mv - lower_edge);
    const float lip_a = aa(lip_d, k_aa) * smooth(1.12f, 1.0f, std::fabs(t));
    if (lip_a > 0) {
      Rgb lip = f.lip;
      if (mv < bot) {
        s.gloss *= 1.8f;  // the lower lip catches the light
        s.bump_v += (mv - (bot + lower_edge) * 0.5f) * -0.6f;
      }
      s.albedo = mix(s.albedo, lip, lip_a * 0.9f);
    }
    // Shadow under the lower lip and at the corners.
    const float chin_sh = gauss((mv - lower_edge + 0.03f) * (mv - lower_edge + 0.03f) / (2 * 0.02f * 0.02f)) *
                          lip_prof;
    s.occlusion *= 1 - 0.25f * chin_sh;
    const float cu = std::fabs(t) - 1.02f;
    s.occlusion *= 1 - 0.3f * gauss((cu * cu * mw * mw + mv * mv) / (2 * 0.02f * 0.02f));
    // The opening (or, closed, the dark line where the lips meet).
    const float line_h = 0.007f + px * 0.5f;
    const float in_d = std::max(std::min(top - mv, mv - bot), line_h - std::fabs(mv - (top + bot) * 0.5f));
    const float in_a = aa(in_d, k_aa) * smooth(1.0f, 0.92f, std::fabs(t));
    if (in_a > 0) {
      Rgb inner{0.16f, 0.04f, 0.05f};
      if (oh > 0.01f) {
        // Upper teeth hang from the top; the tongue rises at the bottom.
        const float teeth_h = std::min(0.035f, oh * 0.45f);
        const float teeth = aa(mv - (top - teeth_h), k_aa) * smooth(0.85f, 0.6f, std::fabs(t));
        inner = mix(inner, Rgb{0.82f, 0.8f, 0.74f}, teeth * clamp01(open * 4));
        const float tongue = aa(-(mv - (bot + oh * 0.45f)), k_aa) * smooth(0.8f, 0.4f, std::fabs(t));
        inner = mix(inner, Rgb{0.55f, 0.22f, 0.22f}, tongue * clamp01(open * 2 - 0.4f));
      }
      s.albedo = mix(s.albedo, inner, in_a);
      s.gloss = 0.2f;
    }
  }
}

// Is (u, v) hair on the head surface? Returns coverage in [0, 1].
float hair_cover(const HeadLook& h, float eye_v, float brow_gap, float u, float v, float px) {
  const float k_aa = 0.5f / px;
  const float au = std::fabs(u);
  float line;  // hair above v > line(u)
  switch (h.hair_style) {
    case 1:  // long: low at the sides, framing the face
      line = h.hairline_v + 0.18f * u * u - 0.9f * std::max(0.0f, au - 0.72f);
      break;
    case 3:  // bob with a fringe that stops well above the brows (a fringe on the brows hides the
             // face from the HOG detector)
      line = std::max(eye_v + brow_gap + 0.17f, h.hairline_v - 0.12f) + 0.1f * u * u -
             0.9f * std::max(0.0f, au - 0.8f);
      break;
    default:  // short or shaved: a receding line with temples
      line = h.hairline_v + 0.12f * u * u + 0.25f * std::max(0.0f, au - 0.45f) - 0.6f * std::max(0.0f, au - 0.86f);
      break;
  }
  return aa(v - line, k_aa);
}

}  // namespace

FaceRenderer::FaceRenderer(int width, int height, const RenderStyle& style, const SceneLook& scene,
                           const HeadLook& body, const FramePose& body_pose)
    : width_(width), height_(height), style_(style), scene_(scene) {
  if (width < 64 || height < 64 || width > 4096 || height > 4096 || width % 2 || height % 2)
    throw std::invalid_argument("frame size must be even and within 64..4096 pixels");
  inv_corner2_ = 1.0f / (width * width * 0.25f + height * height * 0.25f);
  paint_background();
  paint_body(body, body_pose);
  graded_background_.resize(background_.size());
  for (int y = 0; y < height_; ++y)
    for (int x = 0; x < width_; ++x) {
      const size_t i = (static_cast<size_t>(y) * width_ + x) * 3;
      grade(Rgb{background_[i], background_[i + 1], background_[i + 2]}, x, y, &graded_background_[i]);
    }
  Rng rng(derive_seed(scene.bg_seed, "camera-noise"));
  noise_tile_.resize(kNoiseTile * kNoiseTile);
  for (auto& n : noise_tile_)
    n = static_cast<int16_t>(std::lround(std::max(-4.0, std::min(4.0, rng.normal())) * scene.noise_sigma));
}

void FaceRenderer::paint_body(const HeadLook& body, const FramePose& pose) {
  // Shoulders in clothes with a V neckline showing the chest, at the clip's rest pose: the head
  // moves on a still body.
  clothes_.assign(static_cast<size_t>(width_) * height_, 0.0f);
  const float s = pose.scale, px = 1.0f / s, k_aa = 0.5f / px;
  const float top = -body.aspect - 0.25f;  // body units (head half-widths), y up from the head centre
  const float shade = scene_.ambient + scene_.key * 0.5f;
  for (int y = 0; y < height_; ++y)
    for (int x = 0; x < width_; ++x) {
      const float bx = (x + 0.5f - pose.cx) / s, by = -(y + 0.5f - pose.cy) / s;
      if (by > top + 0.1f) continue;
      const float ex = bx / 2.5f, ey = (by - (top - 1.5f)) / 1.5f;
      const float r = std::sqrt(ex * ex + ey * ey);
      const float on_body = aa(-((r - 1) * 1.5f), k_aa);
      if (on_body <= 0) continue;
      const float vneck = aa((top - 0.6f + std::fabs(bx) * 1.6f) - by, k_aa);
      const Rgb cloth = scale(body.clothing, 0.75f + 0.25f * clamp01(ey + 0.6f) - 0.1f * std::fabs(ex));
      const Rgb chest = scale(body.skin, 0.55f * shade);
      const size_t i = static_cast<size_t>(y) * width_ + x;
      const Rgb bg{background_[i * 3], background_[i * 3 + 1], background_[i * 3 + 2]};
      const Rgb c = mix(bg, mix(chest, cloth, vneck), on_body);
      background_[i * 3] = c.r;
      background_[i * 3 + 1] = c.g;
      background_[i * 3 + 2] = c.b;
      clothes_[i] = on_body * vneck;
    }
}

void FaceRenderer::grade(const Rgb& c, int x, int y, uint8_t* out) const {
  const float cx = width_ * 0.5f, cy = height_ * 0.5f;
  const float dx = x - cx, dy = y - cy;
  const float vig = 1 - scene_.vignette * (dx * dx + dy * dy) * inv_corner2_;
  const float ex = scene_.exposure;
  const float lum = (0.3f * c.r + 0.59f * c.g + 0.11f * c.b) * ex;
  const float in[3] = {c.r * ex, c.g * ex, c.b * ex};
  for (int ch = 0; ch < 3; ++ch) {
    float v = lum + (in[ch] - lum) * style_.saturation;
    v = (0.5f + (v - 0.5f) * style_.contrast) * vig;
    const float q = v * 255.0f + 0.5f;
    out[ch] = static_cast<uint8_t>(q < 0 ? 0 : (q > 255 ? 255 : q));
  }
}

void FaceRenderer::paint_background() {
  background_.assign(static_cast<size_t>(width_) * height_ * 3, 0.0f);
  Rng rng(derive_seed(scene_.bg_seed, "background"));
  // Panels: a window, a picture frame or shelves, as axis-aligned rectangles.
  struct Panel {
    float x0, y0, x1, y1;
    Rgb colour;
  };
  std::vector<Panel> panels;
  const float W = static_cast<float>(width_), H = static_cast<float>(height_);
  if (scene_.bg_pattern == 1) {
    const float x0 = rng.uniformf(-0.1f, 0.6f) * W, y0 = rng.uniformf(-0.1f, 0.3f) * H;
    panels.push_back({x0, y0, x0 + rng.uniformf(0.25f, 0.5f) * W, y0 + rng.uniformf(0.3f, 0.6f) * H,
                      mix(scene_.bg_accent, Rgb{1, 1, 1}, 0.5f)});
  } else if (scene_.bg_pattern == 2) {
    const int shelves = rng.integer(2, 4);
    for (int i = 0; i < shelves; ++i) {
      const float y = rng.uniformf(0.1f, 0.9f) * H;
      panels.push_back({0, y, W, y + H * 0.02f, scale(scene_.bg_accent, 0.6f)});
      const int books = rng.integer(3, 9);
      float x = rng.uniformf(0, 0.3f) * W;
      for (int b = 0; b < books; ++b) {
        const float bw = rng.uniformf(0.015f, 0.04f) * W, bh = rng.uniformf(0.05f, 0.1f) * H;
        panels.push_back({x, y - bh, x + bw, y,
                          Rgb{rng.uniformf(0.1f, 0.8f), rng.uniformf(0.1f, 0.7f), rng.uniformf(0.1f, 0.7f)}});
        x += bw * rng.uniformf(1.0f, 2.5f);
      }
    }
  }
  const float texture_amp = scene_.bg_pattern == 3 ? 0.06f : 0.0f;
  const float tfx = rng.uniformf(0.02f, 0.06f), tfy = rng.uniformf(0.02f, 0.06f);
  for (int y = 0; y < height_; ++y) {
    const float gy = static_cast<float>(y) / (H - 1);
    const Rgb row = mix(scene_.bg_top, scene_.bg_bottom, gy);
    for (int x = 0; x < width_; ++x) {
      Rgb c = row;
      for (const auto& p : panels)
        if (x >= p.x0 && x < p.x1 && y >= p.y0 && y < p.y1) c = p.colour;
      if (texture_amp > 0) {
        const float t = wave(x * tfx + 3 * wave(y * tfy)) * wave(y * tfx * 1.3f + 2 * wave(x * tfy));
        c = scale(c, 1 + texture_amp * t);
      }
      float* o = &background_[(static_cast<size_t>(y) * width_ + x) * 3];
      o[0] = c.r;
      o[1] = c.g;
      o[2] = c.b;
    }
  }
}

void FaceRenderer::render(const Identity& who, const FramePose& pose, const Expression& expr, const SwappedFace* swap,
                          uint32_t noise_frame, std::vector<uint8_t>& rgb) const {
  const HeadLook& head = who.head;
  const float aspect = head.aspect;
  const float s = pose.scale;
  const float px = 1.0f / s * style_.feature_sharpness;
  const float k_aa = 0.5f / px;
  const float cr = std::cos(pose.roll), sr = std::sin(pose.roll);
  const Rotation rot(pose.yaw, pose.pitch);
  const Vec3 light_cam = normalize(Vec3{scene_.light_dir[0], scene_.light_dir[1], scene_.light_dir[2]});
  const Vec3 light = rot.inverse(light_cam);        // light direction in the head frame
  const Vec3 view = rot.inverse(Vec3{0, 0, 1});     // towards the camera, head frame
  const Vec3 half = normalize(Vec3{light.x + view.x, light.y + view.y, light.z + view.z});
  const Vec3 d = view;                              // ray direction in the head frame (orthographic)
  const Vec3 dq{d.x, d.y / aspect, d.z / kHeadDepth};
  const float qa = dot(dq, dq);
  const FaceLook& own_face = who.face;
  const float mouth_y = own_face.mouth_v * aspect;  // head-local y of the mouth line
  const float jaw = 1.0f + 0.12f * clamp01(expr.mouth_open);

  // Where the ears are: on the sides of the head, projected.
  Vec3 ears[2];
  for (int i = 0; i < 2; ++i)
    ears[i] = rot.apply(Vec3{i ? 0.97f : -0.97f, (own_face.eye_v - 0.12f) * aspect, -0.05f});

  rgb = graded_background_;
  const float shade_lo = scene_.ambient, key = scene_.key;
  auto shade = [&](float lambert) {
    float l = std::max(0.0f, lambert);
    if (style_.shade_levels > 0) {
      // Cel bands with a narrow soft step between them (hard steps cut the face into patches).
      const float n = static_cast<float>(style_.shade_levels);
      const float band = std::floor(l * n);
      l = (band + smooth(0.8f, 1.0f, l * n - band)) / n;
    }
    return shade_lo + key * l;
  };

  // Only the head (a disc around its centre) and the body below it are redrawn; each row visits
  // the span of pixels that one of them can touch.
  const float head_reach = aspect * 1.2f + 0.15f;  // head units: hair, ears and taper included
  const float neck_top = aspect * 0.3f;  // the neck starts below the chin line...
  const float neck_bottom = aspect + 1.6f;  // ...and goes under the clothes
  const float neck_half = 0.48f;
  const int y0 = std::max(0, static_cast<int>(pose.cy - head_reach * s) - 1);

  for (int y = y0; y < height_; ++y) {
    const float dy = (y + 0.5f - pose.cy) / s;
    float lo = 1e9f, hi = -1e9f;
    const bool in_head_rows = std::fabs(dy) < head_reach;
    if (in_head_rows) {
      const float half = std::sqrt(head_reach * head_reach - dy * dy);
      lo = -half;
      hi = half;
    }
    const bool in_neck_rows = dy > neck_top && dy < neck_bottom;
    if (in_neck_rows) {
      lo = std::min(lo, -neck_half - 0.05f);
      hi = std::max(hi, neck_half + 0.05f);
    }
    if (lo > hi) continue;
    const int xa = std::max(0, static_cast<int>(pose.cx + lo * s) - 1);
    const int xb = std::min(width_, static_cast<int>(pose.cx + hi * s) + 2);
    for (int x = xa; x < xb; ++x) {
      const float dx = (x + 0.5f - pose.cx) / s;
      const size_t at = (static_cast<size_t>(y) * width_ + x) * 3;
      Rgb c{background_[at], background_[at + 1], background_[at + 2]};

      // Body: shoulders and clothes (not rolled with the head), then the neck.
      if (in_neck_rows && std::fabs(dx) < neck_half + 2 * px) {
        // The neck, under the chin and in its shadow; the clothes of the (static) body cover it.
        const float a = aa(neck_half - std::fabs(dx), k_aa);
        const float sh = 0.45f + 0.2f * clamp01((dy - aspect * 0.3f) / 1.2f) + 0.15f * (-dx / neck_half) * light_cam.x;
        const Rgb neck = scale(mul(head.skin, scene_.light), sh * (shade_lo + key * 0.6f));
        c = mix(c, neck, a * (1 - clothes_[static_cast<size_t>(y) * width_ + x]));
      }

      if (!in_head_rows || dx * dx + dy * dy > head_reach * head_reach) {
        grade(c, x, y, &rgb[at]);
        continue;
      }

      // Head-local coordinates (roll removed), y up.
      float hx = cr * dx + sr * dy;
      float hy = -(-sr * dx + cr * dy);

      // Hair mass behind the head (its silhouette around the skull; long hair falls to the shoulders).
      if (head.hair_style != 2) {
        const float bottom = head.hair_style == 1 ? -aspect * 1.05f : head.hair_style == 3 ? -aspect * 0.55f : aspect * 0.15f;
        const float topy = aspect * 1.07f + 0.04f;
        const float cy_h = (topy + bottom) * 0.5f, ry = (topy - bottom) * 0.5f;
        const float ex = (hx - view.x * 0.1f) / head.hair_volume, ey = (hy - cy_h) / ry;
        const float r = std::sqrt(ex * ex + ey * ey);
        // Short hair: the mass only covers the upper part of the skull.
        const float a = aa(-((r - 1) * std::min(head.hair_volume, ry)), k_aa);
        if (a > 0) {
          const float strands = 0.9f + 0.1f * wave(hx * 55.0f + 4 * wave(hy * 6.0f));
          const float edge = 0.65f + 0.35f * clamp01((1 - r) * 4);
          const Rgb hair = scale(mul(head.hair, scene_.light), strands * edge * (shade_lo + key * 0.55f));
          c = mix(c, hair, a);
        }
      }
      // Ears, behind the head surface.
      for (const auto& ear : ears) {
        if (head.hair_style == 1) break;  // long hair covers them
        const float ex = (hx - ear.x) / 0.11f, ey = (hy - ear.y) / (head.ear_size * aspect);
        const float r2 = ex * ex + ey * ey;
        if (r2 < 1.3f && ear.z < 0.6f) {
          const float a = aa(-((std::sqrt(r2) - 1) * 0.11f), k_aa);
          const float inner = gauss(r2 * 2.5f);
          const Rgb ear_c = scale(mul(head.skin, scene_.light), (shade_lo + key * 0.5f) * (0.95f - 0.3f * inner));
          c = mix(c, ear_c, a);
        }
      }

      // The jaw drops with the mouth, and the head narrows towards the chin.
      if (hy < mouth_y) hy = mouth_y + (hy - mouth_y) / jaw;
      const float below = clamp01((-hy / aspect - 0.05f) / 0.95f);
      hx /= 1 - head.jaw_taper * below * std::sqrt(below);

      // Ray-cast the ellipsoid head: P(t) = o + t d in the head frame.
      const Vec3 o = rot.inverse(Vec3{hx, hy, 0});
      const Vec3 oq{o.x, o.y / aspect, o.z / kHeadDepth};
      const float qb = 2 * dot(oq, dq), qc = dot(oq, oq) - 1;
      const float g = qc - qb * qb / (4 * qa);  // < 0 inside the silhouette
      const float cover = clamp01(0.5f - 0.5f * g / px);
      if (cover > 0) {
        const float disc = std::max(0.0f, qb * qb - 4 * qa * qc);
        const float t = (-qb + std::sqrt(disc)) / (2 * qa);
        const Vec3 q{o.x + t * d.x, o.y + t * d.y, o.z + t * d.z};
        const float u = q.x, v = q.y / aspect;
        Vec3 n = normalize(Vec3{q.x, q.y / (aspect * aspect), q.z / (kHeadDepth * kHeadDepth)});

        Surface surf;
        surf.albedo = head.skin;
        const float front = q.z / kHeadDepth;
        if (front > 0.05f) {
          if (swap) {
            // The pasted face: its own coordinates, its own skin inside a soft oval mask.
            const float fu = (u - swap->offset_u) / swap->scale, fv = (v - swap->offset_v) / swap->scale;
            const float mr = std::sqrt(fu * fu / (0.78f * 0.78f) + (fv + 0.22f) * (fv + 0.22f) / (0.72f * 0.72f));
            const float mask = smooth(1.0f, 1.0f - swap->mask_softness * 2.5f, mr);
            surf.albedo = mix(head.skin, swap->face.skin, mask);
            if (mask > 0.01f) {
              Surface pasted = surf;
              paint_face(swap->face, expr, fu, fv, px / swap->scale, pasted);
              surf.albedo = mix(surf.albedo, pasted.albedo, mask);
              surf.occlusion = 1 + (pasted.occlusion - 1) * mask;
              surf.bump_u = pasted.bump_u * mask;
              surf.bump_v = pasted.bump_v * mask;
              surf.gloss = 1 + (pasted.gloss - 1) * mask;
            }
          } else {
            paint_face(own_face, expr, u, v, px, surf);
          }
          const float fade = smooth(0.05f, 0.3f, front);
          n = normalize(Vec3{n.x - surf.bump_u * fade, n.y - surf.bump_v * fade, n.z});
        }
        const float hair = hair_cover(head, own_face.eye_v, own_face.brow_gap, u, v, px);
        if (hair > 0) {
          const float strands = 0.88f + 0.12f * wave(u * 70.0f + 3 * wave(v * 9.0f));
          const Rgb hair_c = head.hair_style == 2 ? mix(head.skin, head.hair, 0.55f) : scale(head.hair, strands);
          surf.albedo = mix(surf.albedo, hair_c, hair);
          surf.gloss *= 1 - 0.5f * hair;
        }
        const float lambert = dot(n, light);
        const float spec = pow24(std::max(0.0f, dot(n, half))) * style_.specular * surf.gloss;
        const float lit = shade(lambert) * surf.occlusion;
        // The silhouette rim is darker (the head turns away from the camera).
        const float rim = 0.75f + 0.25f * smooth(0.0f, 0.35f, dot(n, view));
        Rgb head_c = mul(surf.albedo, scene_.light);
        head_c = scale(head_c, lit * rim);
        head_c = Rgb{head_c.r + spec * scene_.light.r, head_c.g + spec * scene_.light.g, head_c.b + spec * scene_.light.b};
        if (style_.outline > 0) head_c = scale(head_c, 1 - style_.outline * (1 - smooth(0.0f, 0.25f, -g * 4)));
        c = mix(c, head_c, cover);
      }
      grade(c, x, y, &rgb[at]);
    }
  }

  // Camera noise (luma), a different window of the clip's noise tile in every frame.
  const uint32_t nx = (noise_frame * 2654435761u) % kNoiseTile, ny = (noise_frame * 40503u + 17) % kNoiseTile;
  for (int y = 0; y < height_; ++y) {
    const int16_t* noise_row = &noise_tile_[((y + ny) % kNoiseTile) * kNoiseTile];
    uint8_t* out = &rgb[static_cast<size_t>(y) * width_ * 3];
    for (int x = 0; x < width_; ++x) {
      const int n = noise_row[(x + nx) % kNoiseTile];
      for (int ch = 0; ch < 3; ++ch) {
        const int v = out[x * 3 + ch] + n;
        out[x * 3 + ch] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
      }
    }
  }
}

}  // namespace avlens::synth
