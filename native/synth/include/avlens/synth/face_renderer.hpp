// The project's own talking-face renderer: a shaded ellipsoid head seen by an orthographic camera,
// with eyes that blink, brows, a nose, a mouth that opens and rounds, ears, hair, neck and
// clothes, over a painted background. Every pixel is computed analytically (ray-cast head,
// signed-distance features with one-pixel anti-aliasing), so a frame costs a few milliseconds and
// the same inputs give the same pixels.
//
// It is drawn to be found by dlib's frontal HOG face detector: human proportions, dark eye
// sockets, lashes and brows, a shaded nose and a mouth line, and a face that stands out from the
// hair and the background (see docs/SYNTH.md for the measured detection rate).
#pragma once
#include <cstdint>
#include <vector>

namespace avlens::synth {

struct Rgb {
  float r = 0, g = 0, b = 0;  // linear-ish [0, 1]
};

// The inner face, from the brows to the chin: what a face swap replaces.
struct FaceLook {
  Rgb skin{0.8f, 0.6f, 0.5f};
  Rgb lip{0.7f, 0.35f, 0.35f};
  Rgb iris{0.3f, 0.2f, 0.1f};
  Rgb brow{0.2f, 0.15f, 0.1f};
  // Geometry in head units: u across (head half-width = 1), v up (head half-height = 1).
  float eye_spacing = 0.40f;    // |u| of the eye centres
  float eye_v = 0.02f;          // v of the eye centres
  float eye_width = 0.16f;      // half width of the eye opening
  float eye_open = 0.055f;      // half height of the open eye
  float brow_gap = 0.15f;       // brow centre above the eye centre
  float brow_thickness = 0.035f;
  float brow_arch = 0.03f;
  float nose_tip_v = -0.33f;
  float nose_width = 0.11f;
  float mouth_v = -0.58f;
  float mouth_width = 0.27f;    // half width of the closed mouth
  float lip_thickness = 0.045f;
};

// Everything of the head that is not the inner face.
struct HeadLook {
  float aspect = 1.35f;     // half-height / half-width of the head
  float jaw_taper = 0.25f;  // how much narrower the chin is than the cheeks
  Rgb skin{0.8f, 0.6f, 0.5f};
  Rgb hair{0.2f, 0.12f, 0.07f};
  int hair_style = 0;       // 0 short, 1 long, 2 very short (shaved), 3 bob with fringe
  float hairline_v = 0.48f; // v of the hairline at the centre of the forehead
  float hair_volume = 1.12f;// half-width of the hair mass around the head
  Rgb clothing{0.2f, 0.3f, 0.5f};
  float ear_size = 0.2f;
};

struct Identity {
  HeadLook head;
  FaceLook face;
};

// How a domain draws (the "camera and renderer" of a dataset).
struct RenderStyle {
  int shade_levels = 0;       // 0: smooth shading; n > 0: cel shading with n bands
  float outline = 0.0f;       // darkness of a silhouette outline (0: none)
  float saturation = 1.0f;
  float contrast = 1.0f;
  float specular = 0.15f;
  float feature_sharpness = 1.0f;  // > 1 blurs feature edges (a softer camera)
};

// Per clip: lighting, background and camera noise.
struct SceneLook {
  Rgb light{1.0f, 0.97f, 0.92f};
  float light_dir[3] = {-0.4f, 0.5f, 0.75f};  // towards the light, camera frame
  float ambient = 0.35f;
  float key = 0.75f;
  Rgb bg_top{0.6f, 0.62f, 0.65f};
  Rgb bg_bottom{0.4f, 0.42f, 0.45f};
  Rgb bg_accent{0.7f, 0.6f, 0.4f};
  int bg_pattern = 0;         // 0 plain gradient, 1 window/panel, 2 shelves, 3 textured wall
  uint64_t bg_seed = 1;
  float noise_sigma = 2.0f;   // camera noise, 8-bit levels
  float vignette = 0.2f;
  float exposure = 1.0f;      // camera gain (auto exposure brightens a dark face and its scene)
};

struct FramePose {
  float cx = 0, cy = 0;  // head centre, pixels
  float scale = 80;      // pixels per head unit (head half-width)
  float yaw = 0, pitch = 0, roll = 0;  // radians
};

struct Expression {
  float mouth_open = 0;   // 0 closed .. 1 wide open
  float mouth_round = 0;  // -1 spread (ee) .. 1 rounded (oo)
  float blink = 0;        // 0 open .. 1 closed
  float brow_raise = 0;   // 0 .. 1
  float gaze_u = 0, gaze_v = 0;  // iris offset, in eye half-widths
};

// A face swap: another identity's inner face blended onto the head, slightly misregistered.
struct SwappedFace {
  FaceLook face;
  float offset_u = 0, offset_v = 0;  // misregistration of the pasted face, head units
  float scale = 1.0f;                // its scale relative to the head's own face
  float mask_softness = 0.08f;       // width of the blend seam, head units
};

class FaceRenderer {
 public:
  // `body` and `body_pose`: whose shoulders and clothes are drawn (once, into the background), and
  // where: the head moves on a still body.
  FaceRenderer(int width, int height, const RenderStyle& style, const SceneLook& scene, const HeadLook& body,
               const FramePose& body_pose);

  int width() const { return width_; }
  int height() const { return height_; }

  // Draws one frame as packed RGB24 (width * height * 3 bytes). `swap` may be null.
  // `noise_frame` selects the camera-noise pattern of this frame.
  void render(const Identity& who, const FramePose& pose, const Expression& expr, const SwappedFace* swap,
              uint32_t noise_frame, std::vector<uint8_t>& rgb) const;

 private:
  void paint_background();
  void paint_body(const HeadLook& body, const FramePose& pose);
  // Colour grading and vignette of one linear colour at pixel (x, y), to 8 bits (noise comes later).
  void grade(const Rgb& c, int x, int y, uint8_t* out) const;

  int width_, height_;
  RenderStyle style_;
  SceneLook scene_;
  std::vector<float> background_;         // width * height * 3, linear [0, 1]
  std::vector<uint8_t> graded_background_; // the background as the camera sees it, before noise
  std::vector<int16_t> noise_tile_;       // kNoiseTile^2 camera noise in 8-bit levels
  std::vector<float> clothes_;            // per pixel: how much the clothes cover the neck
  float inv_corner2_ = 1;                 // 1 / (distance centre-corner)^2, for the vignette
};

}  // namespace avlens::synth
