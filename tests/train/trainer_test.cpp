// The training loop: overfitting one batch, learning the audio-visual link well enough to
// separate held-out windows, exact resumption after a kill, checkpoints, the NaN guard, the loader's determinism and the configuration (data-parallel: data_parallel_test.cpp).
#include <gtest/gtest.h>

#include <cstring>

#include <filesystem>

#include "avlens/error.hpp"
#include "avlens/safetensors.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/checkpoint.hpp"
#include "avlens/train/evaluation.hpp"
#include "avlens/train/metrics.hpp"
#include "avlens/train/trainer.hpp"
#include "avlens/train/weight_average.hpp"
#include "window_fixtures.hpp"

using namespace avlens;
using namespace avlens::train;
namespace fs = std::filesystem;

namespace {
const WindowGeometry kTiny = WindowGeometry::preset("tiny");

std::string temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("avlens_trainer_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

TrainConfig small_config(const std::string& out) {
  TrainConfig c;
  c.out = out;
  c.batch = 4;
  c.epochs = 3;
  c.seed = 11;
  c.threads = 2;
  c.loader_workers = 2;
  c.progress = false;
  c.device = "cpu";
  return c;
}
}  // namespace

TEST(Trainer, OverfitsOneBatch) {
  auto source = fixtures::make_source(kTiny, 8, 1, 1);
  TrainConfig c = small_config(temp_dir("overfit"));
  c.batch = 8;
  Trainer trainer(c, source, nullptr);
  LoaderOptions lo;
  lo.batch_size = 8;
  lo.shuffle = false;
  BatchLoader loader(source, lo);
  Batch batch = loader.build(0, 0);
  double first = trainer.step(batch.video, batch.audio, batch.labels), last = first;
  for (int i = 0; i < 60 && last > 0.01; ++i) last = trainer.step(batch.video, batch.audio, batch.labels);
  EXPECT_GT(first, 0.3);
  EXPECT_LT(last, 0.02) << "loss went from " << first << " to " << last;
}

// The fixtures' only cue is audio-visual: a real window's mouth brightness follows its audio
// envelope frame by frame, a fake's follows another random envelope (each on its own looks like a
// real one). Held-out windows come from other seeds, so memorising the training set cannot pass.
// 6 epochs on 192 windows reach a held-out AUC of 0.88 (about a minute on 2 free cores).
TEST(Trainer, LearnsTheAudioVisualLinkAndSeparatesHeldOutWindows) {
  auto train = fixtures::make_source(kTiny, 48, 4, 3);
  auto held_out = fixtures::make_source(kTiny, 32, 2, 99);
  TrainConfig c = small_config(temp_dir("separation"));
  c.set("recipe", "paper");  // Adam, lr 1e-3
  c.batch = 8;
  c.epochs = 6;
  c.pseudo_fakes = false;
  Trainer trainer(c, train, nullptr);
  trainer.fit();
  auto predictions = predict_windows(trainer.model(), *held_out, 16, torch::kCPU);
  const double auc = roc_auc(predictions.scores, predictions.labels);
  EXPECT_GT(auc, 0.8) << "held-out window AUC after " << c.epochs << " epochs";
}

TEST(Trainer, KillAndResumeGivesTheSameLossesAsAnUninterruptedRun) {
  auto source = fixtures::make_source(kTiny, 6, 2, 2);  // 12 windows: 3 steps of 4 per epoch
  auto split = split_by_group(source, 0.34, 5);
  ASSERT_TRUE(split.validation);

  const std::string dir_a = temp_dir("resume_a"), dir_b = temp_dir("resume_b");
  std::vector<double> uninterrupted;
  {
    Trainer t(small_config(dir_a), split.train, split.validation);
    for (const auto& r : t.fit()) uninterrupted.insert(uninterrupted.end(), r.step_losses.begin(), r.step_losses.end());
  }
  std::vector<double> resumed;
  {
    // Killed in the middle of the second epoch: only epoch 1's checkpoint exists.
    Trainer t(small_config(dir_b), split.train, split.validation);
    TrainHooks hooks;
    hooks.stop_requested = [](int epoch, size_t step) { return epoch == 1 && step == 1; };
    for (const auto& r : t.fit(hooks)) resumed.insert(resumed.end(), r.step_losses.begin(), r.step_losses.end());
    EXPECT_EQ(t.state().epochs_done, 1);
  }
  {
    Trainer t(small_config(dir_b), split.train, split.validation);
    t.resume(dir_b + "/last.pt");
    EXPECT_EQ(t.state().epochs_done, 1);
    for (const auto& r : t.fit()) resumed.insert(resumed.end(), r.step_losses.begin(), r.step_losses.end());
    EXPECT_EQ(t.state().epochs_done, 3);
    EXPECT_EQ(t.state().history.size(), 3u);
  }
  ASSERT_EQ(resumed.size(), uninterrupted.size());
  for (size_t i = 0; i < resumed.size(); ++i) EXPECT_DOUBLE_EQ(resumed[i], uninterrupted[i]) << "step " << i;
  // The final checkpoints hold the same weights and Adam state, bit for bit.
  {
    safetensors::Reader a(dir_a + "/last.pt"), b(dir_b + "/last.pt");
    ASSERT_EQ(a.header().tensors.size(), b.header().tensors.size());
    size_t optimiser_tensors = 0;
    for (const auto& entry : a.header().tensors) {
      const auto& other = b.at(entry.name);
      EXPECT_EQ(entry.dtype, other.dtype) << entry.name;
      EXPECT_EQ(entry.shape, other.shape) << entry.name;
      EXPECT_TRUE(a.read(entry) == b.read(other)) << entry.name << " differs after the resumed run";
      if (entry.name.rfind("optimizer/", 0) == 0) ++optimiser_tensors;
    }
    EXPECT_GT(optimiser_tensors, 0u);
    int64_t steps = 0;
    b.read(b.at("optimizer/head.weight/step"), &steps);
    EXPECT_EQ(steps, static_cast<int64_t>(uninterrupted.size())) << "Adam's step count";
    EXPECT_EQ(b.header().metadata.at("format"), "avlens-checkpoint-2");
    EXPECT_FALSE(is_legacy_archive(dir_b + "/last.pt"));
  }
  for (const char* f : {"last.pt", "best_val_auc.pt", "best_train_loss.pt", "history.json", "config.json"})
    EXPECT_TRUE(fs::exists(fs::path(dir_a) / f)) << f;
  // No temporary files left behind by the atomic writes.
  for (const auto& e : fs::directory_iterator(dir_a))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
}

namespace {
// A checkpoint as avlens wrote them before avlens-checkpoint-2: a LibTorch archive.
void save_legacy_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer& optimizer,
                            nlohmann::json state) {
  state["format"] = "avlens-checkpoint-1";
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model->save(model_archive);
  archive.write("model", model_archive);
  optimizer.save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("state", c10::IValue(state.dump()));
  archive.save_to(path);
}
}  // namespace

// Old checkpoints (LibTorch archives, which can run code they carry) are refused unless the caller
// allows them; --resume of an old run loads it with a warning and writes the new format from then on.
TEST(Trainer, LegacyArchiveCheckpointResumesWithAWarningAndIsRewrittenSafely) {
  auto source = fixtures::make_source(kTiny, 4, 1, 7);
  TrainConfig c = small_config(temp_dir("legacy"));
  c.epochs = 1;
  Trainer old_run(c, source, nullptr);
  old_run.fit();
  const std::string legacy = c.out + "/old.pt", last = c.out + "/last.pt", best = c.out + "/best_train_loss.pt";
  torch::optim::Adam adam(old_run.model()->parameters(), torch::optim::AdamOptions(c.lr));
  {
    // Give the optimiser some state, as a real run's has.
    LoaderOptions lo;
    lo.batch_size = 4;
    BatchLoader loader(source, lo);
    Batch b = loader.build(0, 0);
    adam.zero_grad();
    detector_loss(old_run.model()->forward(b.video, b.audio).logits, b.labels, false).backward();
    adam.step();
  }
  save_legacy_checkpoint(legacy, old_run.model(), adam, nlohmann::json{{"epochs_done", 1},
                                                                       {"best_val_auc", -1},
                                                                       {"best_train_loss", 0.7},
                                                                       {"threshold", 0.5},
                                                                       {"history", nlohmann::json::array()},
                                                                       {"train_config", c.to_json()},
                                                                       {"model_config", old_run.state().model_config}});
  ASSERT_TRUE(is_legacy_archive(legacy));
  // The run's checkpoints as the old binary left them.
  fs::copy_file(legacy, last, fs::copy_options::overwrite_existing);
  fs::copy_file(legacy, best, fs::copy_options::overwrite_existing);
  auto expected = predict_windows(old_run.model(), *source, 4, torch::kCPU);

  try {
    load_detector(legacy);
    FAIL() << "an old LibTorch archive was loaded without being allowed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--legacy-checkpoint"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("can run code"), std::string::npos) << e.what();
  }

  TrainConfig next = c;
  next.epochs = 2;
  next.seed = 99;  // other initial weights: equal scores after resume come from the archive
  Trainer resumed(next, source, nullptr);
  ::testing::internal::CaptureStderr();
  resumed.resume(last);
  const std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(warning.find("LibTorch archive"), std::string::npos) << warning;
  EXPECT_NE(warning.find("last.pt"), std::string::npos) << warning;
  // Resuming converted the run's checkpoints, the best one too (which this run may never beat).
  EXPECT_FALSE(is_legacy_archive(last));
  ASSERT_FALSE(is_legacy_archive(best));
  auto best_model = load_detector(best);
  auto best_scores = predict_windows(best_model.model, *source, 4, torch::kCPU);
  for (size_t i = 0; i < expected.scores.size(); ++i) EXPECT_FLOAT_EQ(best_scores.scores[i], expected.scores[i]);
  EXPECT_EQ(resumed.state().epochs_done, 1);
  auto loaded = predict_windows(resumed.model(), *source, 4, torch::kCPU);
  for (size_t i = 0; i < expected.scores.size(); ++i) EXPECT_FLOAT_EQ(loaded.scores[i], expected.scores[i]);
  resumed.fit();  // one more epoch: one step of 4 windows
  EXPECT_FALSE(is_legacy_archive(c.out + "/last.pt")) << "the resumed run still writes LibTorch archives";
  // Adam's state came along from the archive: its one step, plus this epoch's (a fresh optimiser: 1).
  safetensors::Reader converted(c.out + "/last.pt");
  int64_t steps = 0;
  converted.read(converted.at("optimizer/head.weight/step"), &steps);
  EXPECT_EQ(steps, 2);
  EXPECT_EQ(load_detector(c.out + "/last.pt").state.epochs_done, 2);
  EXPECT_NO_THROW(load_detector(legacy, torch::kCPU, LegacyArchive::kLoadWithWarning));
}

TEST(Trainer, CheckpointRoundTripGivesTheSameScores) {
  auto source = fixtures::make_source(kTiny, 4, 1, 3);
  TrainConfig c = small_config(temp_dir("roundtrip"));
  c.epochs = 1;
  c.norm = "batch";  // running statistics must travel with the weights
  Trainer t(c, source, nullptr);
  t.fit();
  auto loaded = load_detector(c.out + "/last.pt");
  auto before = predict_windows(t.model(), *source, 4, torch::kCPU);
  auto after = predict_windows(loaded.model, *source, 4, torch::kCPU);
  for (size_t i = 0; i < before.scores.size(); ++i) EXPECT_FLOAT_EQ(before.scores[i], after.scores[i]);
  EXPECT_EQ(loaded.model->config().norm, model::NormKind::kBatch);
  EXPECT_THROW(load_detector(c.out + "/missing.pt"), Error);
}

// keep_epochs: each epoch's weights in out/epochs/N.pt, weights only, for `avlens average`; with
// batch norm, the running statistics (floating buffers) are averaged too.
TEST(Trainer, KeepEpochsSavesEachEpochsWeightsForAveraging) {
  auto source = fixtures::make_source(kTiny, 4, 1, 3);
  TrainConfig c = small_config(temp_dir("keep_epochs"));
  c.epochs = 2;
  c.norm = "batch";
  c.keep_epochs = true;
  Trainer t(c, source, nullptr);
  t.fit();
  const std::string first = c.out + "/epochs/1.pt", second = c.out + "/epochs/2.pt";
  ASSERT_TRUE(fs::exists(first) && fs::exists(second));
  EXPECT_EQ(read_checkpoint_state(first).epochs_done, 1);
  EXPECT_LT(fs::file_size(second), fs::file_size(c.out + "/last.pt") / 2) << "weights only, without Adam's moments";
  LoadedDetector from_last = load_detector(c.out + "/last.pt"), from_kept = load_detector(second);
  auto last = predict_windows(from_last.model, *source, 4, torch::kCPU);
  auto kept = predict_windows(from_kept.model, *source, 4, torch::kCPU);
  for (size_t i = 0; i < last.scores.size(); ++i) EXPECT_FLOAT_EQ(kept.scores[i], last.scores[i]) << i;

  LoadedDetector averaged = average_checkpoints({first, second}, torch::kCPU);
  const auto a = load_detector(first).model->named_buffers(), b = load_detector(second).model->named_buffers();
  size_t running = 0;
  for (const auto& buffer : averaged.model->named_buffers()) {
    if (buffer.key().find("running_mean") == std::string::npos) continue;
    EXPECT_TRUE(torch::allclose(buffer.value(), (a[buffer.key()] + b[buffer.key()]) / 2, 1e-6, 1e-7)) << buffer.key();
    ++running;
  }
  EXPECT_GT(running, 0u);
}

// Fine-tuning (--init): a new run starts from another run's weights with a fresh optimiser and no
// history; a checkpoint of another model is refused by name.
TEST(Trainer, InitStartsANewRunFromAnotherRunsWeights) {
  auto source = fixtures::make_source(kTiny, 4, 1, 5);
  TrainConfig first = small_config(temp_dir("init_first"));
  first.epochs = 1;
  Trainer pretrained(first, source, nullptr);
  pretrained.fit();
  auto expected = predict_windows(pretrained.model(), *source, 4, torch::kCPU);

  TrainConfig second = small_config(temp_dir("init_second"));
  second.seed = 99;  // other initial weights, so equal scores can only come from the checkpoint
  Trainer fresh(second, source, nullptr);
  auto untouched = predict_windows(fresh.model(), *source, 4, torch::kCPU);
  fresh.initialise_from(first.out + "/last.pt");
  auto started = predict_windows(fresh.model(), *source, 4, torch::kCPU);
  ASSERT_EQ(started.scores.size(), expected.scores.size());
  double moved = 0;
  for (size_t i = 0; i < started.scores.size(); ++i) {
    EXPECT_FLOAT_EQ(started.scores[i], expected.scores[i]) << "window " << i;
    moved = std::max(moved, std::abs(double(untouched.scores[i]) - expected.scores[i]));
  }
  EXPECT_GT(moved, 1e-4) << "the two runs began with the same weights: the test cannot tell";
  EXPECT_EQ(fresh.state().epochs_done, 0);
  EXPECT_TRUE(fresh.state().history.empty());

  TrainConfig other = small_config(temp_dir("init_other"));
  other.attention = !first.attention;
  Trainer different(other, source, nullptr);
  try {
    different.initialise_from(first.out + "/last.pt");
    FAIL() << "a checkpoint of another model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot start from"), std::string::npos) << e.what();
  }

  // A checkpoint written before the geometry carried the face crop (no crop keys) is the same model.
  RunState old_state = read_checkpoint_state(first.out + "/last.pt");
  old_state.model_config["geometry"].erase("crop_scale");
  old_state.model_config["geometry"].erase("crop_shift_down");
  const std::string old_checkpoint = first.out + "/before_crop_keys.pt";
  save_checkpoint(old_checkpoint, pretrained.model(), nullptr, old_state);
  ASSERT_FALSE(read_checkpoint_state(old_checkpoint).model_config["geometry"].contains("crop_scale"));
  Trainer later(second, source, nullptr);
  later.initialise_from(old_checkpoint);
  auto from_old = predict_windows(later.model(), *source, 4, torch::kCPU);
  for (size_t i = 0; i < from_old.scores.size(); ++i) EXPECT_FLOAT_EQ(from_old.scores[i], expected.scores[i]) << i;
}

TEST(Trainer, NanGuardStopsWithAClearMessage) {
  auto source = fixtures::make_source(kTiny, 4, 1, 4);
  Trainer t(small_config(temp_dir("nan")), source, nullptr);
  LoaderOptions lo;
  lo.batch_size = 4;
  BatchLoader loader(source, lo);
  Batch b = loader.build(0, 0);
  b.audio[0][5] = std::numeric_limits<float>::quiet_NaN();
  try {
    t.step(b.video, b.audio, b.labels);
    FAIL() << "NaN loss accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("loss is nan"), std::string::npos) << e.what();
  }
}

TEST(BatchLoader, EpochsAreReproducibleAndIndependentOfWorkerCount) {
  auto source = fixtures::make_source(kTiny, 6, 2, 6);
  LoaderOptions lo;
  lo.batch_size = 4;
  lo.pseudo_fakes = true;
  lo.seed = 9;
  auto collect = [&](int workers, int epoch) {
    LoaderOptions o = lo;
    o.workers = workers;
    BatchLoader loader(source, o);
    loader.start_epoch(epoch);
    std::vector<Batch> out;
    Batch b;
    while (loader.next(b)) out.push_back(b);
    return out;
  };
  auto a = collect(1, 0), b = collect(3, 0), other_epoch = collect(2, 1);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 3u);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].windows, b[i].windows);
    EXPECT_TRUE(torch::equal(a[i].video, b[i].video));
    EXPECT_TRUE(torch::equal(a[i].audio, b[i].audio));
    EXPECT_TRUE(torch::equal(a[i].labels, b[i].labels));
    differs |= a[i].windows != other_epoch[i].windows;
  }
  EXPECT_TRUE(differs) << "epochs must be shuffled differently";
  // A pseudo-fake window is labelled fake.
  for (const auto& batch : a)
    for (size_t k = 0; k < batch.edits.size(); ++k)
      if (batch.edits[k] != PseudoFakeKind::kNone) {
        EXPECT_EQ(batch.labels[k].item<float>(), 1.0f);
      }
}

TEST(BatchLoader, VideoTensorIsScaledToMinusOneOne) {
  WindowSample w = fixtures::make_window(kTiny, 0, 1);
  w.crops[0] = 0;
  w.crops[1] = 255;
  auto t = video_tensor({&w}, kTiny);
  EXPECT_EQ(t.sizes(), torch::IntArrayRef({1, 3, kTiny.frames, kTiny.height, kTiny.width}));
  EXPECT_FLOAT_EQ(t[0][0][0][0][0].item<float>(), -1.0f);  // R of pixel 0
  EXPECT_FLOAT_EQ(t[0][1][0][0][0].item<float>(), 1.0f);   // G of pixel 0
}

TEST(BatchLoader, VideoTensorIsTheCoresWindowTensorBitForBit) {
  // The trainer's batches and the core's windows (what the page feeds the network) use one pixel
  // normalisation: every byte value, with a mean and std that are not 0.5, gives the same floats.
  WindowGeometry g = kTiny;
  g.video_mean = 0.437f;
  g.video_std = 0.229f;
  WindowSample w = fixtures::make_window(g, 0, 1);
  for (size_t i = 0; i < w.crops.size(); ++i) w.crops[i] = static_cast<uint8_t>((i * 7 + 3) % 256);
  Window core_window;
  core_window.crops = w.crops;
  const std::vector<float> expected = core_window.video_tensor(g);
  auto t = video_tensor({&w}, g).contiguous();
  ASSERT_EQ(static_cast<size_t>(t.numel()), expected.size());
  EXPECT_EQ(std::memcmp(t.data_ptr<float>(), expected.data(), expected.size() * sizeof(float)), 0);
}

TEST(TrainConfig, RecipesFileAndOverrides) {
  TrainConfig c;
  c.apply(nlohmann::json{{"lr", 0.005}, {"recipe", "reference"}, {"epochs", 7}});
  EXPECT_DOUBLE_EQ(c.lr, 0.005);  // an explicit lr wins over the recipe, whatever the order
  EXPECT_EQ(c.epochs, 7);
  c.set("recipe", "reference");
  EXPECT_DOUBLE_EQ(c.lr, 1e-4);
  c.set("recipe", "paper");
  EXPECT_DOUBLE_EQ(c.lr, 1e-3);
  // Config files written before the rename call it "preset".
  TrainConfig old;
  old.apply(nlohmann::json{{"preset", "reference"}});
  EXPECT_EQ(old.recipe, "reference");
  EXPECT_DOUBLE_EQ(old.lr, 1e-4);
  EXPECT_EQ(old.to_json().count("preset"), 0u);
  EXPECT_THROW(c.set("preset", "paper"), Error);  // not a key: --preset is a window geometry
  c.set("r-min", "0.3");
  EXPECT_DOUBLE_EQ(c.r_min, 0.3);
  EXPECT_THROW(c.set("learning_rate", "1"), Error);
  EXPECT_THROW(c.set("epochs", "ten"), Error);
  EXPECT_THROW(c.set("attention", "maybe"), Error);
  c.set("backend", "nccl");
  EXPECT_NO_THROW(c.validate());  // device auto: checked again once the device is known
  c.set("device", "cpu");
  EXPECT_THROW(c.validate(), Error);
  c.set("backend", "mpi");
  EXPECT_THROW(c.validate(), Error);
  c.set("backend", "gloo");
  TrainConfig back;
  back.apply(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
}

TEST(Trainer, BalancedLossWeighsRealAndFakeHalfEach) {
  // One real and three fakes: balanced, the loss is the mean of the real's loss and the fakes' mean.
  auto logits = torch::tensor({0.3f, -1.0f, 2.0f, 0.5f});
  auto labels = torch::tensor({0.f, 1.f, 1.f, 1.f});
  auto each = torch::binary_cross_entropy_with_logits(logits, labels, {}, {}, at::Reduction::None);
  const double real = each[0].item<double>(), fake = each.slice(0, 1).mean().item<double>();
  EXPECT_NEAR(detector_loss(logits, labels, true).item<double>(), (real + fake) / 2, 1e-6);
  EXPECT_NEAR(detector_loss(logits, labels, false).item<double>(), each.mean().item<double>(), 1e-6);
  // One class only: plain BCE.
  auto fakes = torch::ones({4});
  EXPECT_NEAR(detector_loss(logits, fakes, true).item<double>(),
              torch::binary_cross_entropy_with_logits(logits, fakes).item<double>(), 1e-6);
}
