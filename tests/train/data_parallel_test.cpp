// Data-parallel training as it runs for real: ranks are separate OS processes that meet on
// 127.0.0.1. The test binary starts copies of itself (a test re-run with AVLENS_DP_RANK set is one
// rank) and the avlens CLI; every child is killed if it outlives its deadline.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"
#include "avlens/train/batch_loader.hpp"
#include "avlens/train/checkpoint.hpp"
#include "avlens/train/data_parallel.hpp"
#include "avlens/train/window_cache.hpp"
#include "window_fixtures.hpp"

extern char** environ;

using namespace avlens;
using namespace avlens::train;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
const WindowGeometry kTiny = WindowGeometry::preset("tiny");
constexpr auto kDeadline = std::chrono::seconds(120);

fs::path fresh_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("avlens_dp_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A port nobody listens on now: the kernel's pick for a socket bound to port 0.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("cannot find a free TCP port");
  return ntohs(addr.sin_port);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A child process with stdout and stderr in a log file; killed and reaped if still running when
// destroyed, so that a failing test never leaves a rank behind.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env, fs::path log) : log_(std::move(log)) {
    // The parent's environment without GTEST_* (sharding or output settings meant for the parent).
    std::vector<std::string> vars = env;
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("GTEST_", 0) != 0) vars.emplace_back(*e);
    auto pointers = [](std::vector<std::string>& v) {
      std::vector<char*> p;
      for (auto& s : v) p.push_back(s.data());
      p.push_back(nullptr);
      return p;
    };
    std::vector<std::string> args = argv;
    auto c_args = pointers(args), c_env = pointers(vars);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int err = ::posix_spawn(&pid_, c_args[0], &actions, nullptr, c_args.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(err));
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }

  // The exit code (128 + signal when killed by one), or nothing when the deadline passed first.
  std::optional<int> wait_until(Clock::time_point deadline) {
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (Clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::string log() const { return read_text(log_); }

 private:
  pid_t pid_ = -1;
  fs::path log_;
};

// Waits for every child; a failure names the child and shows its log.
void expect_all_succeed(std::vector<std::unique_ptr<Child>>& children) {
  const auto deadline = Clock::now() + kDeadline;
  for (size_t i = 0; i < children.size(); ++i) {
    auto code = children[i]->wait_until(deadline);
    if (!code) {
      ADD_FAILURE() << "rank " << i << " still running after " << kDeadline.count()
                    << " s (a rendezvous that never completed?); killed. Its log:\n" << children[i]->log();
      return;  // the destructors kill the others
    }
    EXPECT_EQ(*code, 0) << "rank " << i << " failed; its log:\n" << children[i]->log();
  }
}

std::string current_test() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->test_suite_name()) + "." + info->name();
}

// The data-parallel test: the global batch of 8 and the model configuration.
Batch global_batch(int rank = 0, int world_size = 1) {
  LoaderOptions lo;
  lo.batch_size = 8;
  lo.shuffle = false;
  lo.rank = rank;
  lo.world_size = world_size;
  return BatchLoader(fixtures::make_source(kTiny, 8, 1, 7), lo).build(0, 0);
}

model::ModelConfig tiny_model() {
  model::ModelConfig mc;
  mc.geometry = kTiny;
  return mc;
}

void backward_on(model::Detector& net, const Batch& batch) {
  torch::binary_cross_entropy_with_logits(net->forward(batch.video, batch.audio).logits, batch.labels).backward();
}

std::vector<torch::Tensor> gradients(model::Detector& net) {
  std::vector<torch::Tensor> g;
  for (auto& p : net->parameters()) g.push_back(p.grad().clone());
  return g;
}

// One rank, in its own process: a start of its own (broadcast_parameters must replace it with
// rank 0's), the gradient of its half of the global batch, averaged over both ranks.
void run_rank(int rank, int port, const std::string& out) {
  DataParallelOptions o;
  o.world_size = 2;
  o.rank = rank;
  o.master_port = port;
  o.timeout = std::chrono::seconds(60);  // fail before the parent's deadline rather than hang
  DataParallel dp(o);
  ASSERT_EQ(dp.backend(), "gloo");
  torch::manual_seed(100 + rank);
  model::Detector net(tiny_model());
  dp.broadcast_parameters(*net);
  Batch local = global_batch(rank, 2);
  ASSERT_EQ(local.windows.size(), 4u);
  backward_on(net, local);
  dp.average_gradients(*net);
  torch::save(gradients(net), out);
}
}  // namespace

TEST(DataParallel, TwoProcessesOverGlooMatchOneProcessOnTheGlobalBatch) {
  if (const char* rank = std::getenv("AVLENS_DP_RANK")) {
    run_rank(std::atoi(rank), std::atoi(std::getenv("AVLENS_DP_PORT")), std::getenv("AVLENS_DP_OUT"));
    return;
  }
  const fs::path dir = fresh_dir("gradients");
  const std::string port = std::to_string(free_port());
  std::vector<std::unique_ptr<Child>> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    const fs::path out = dir / ("rank" + std::to_string(rank) + ".pt");
    ranks.push_back(std::make_unique<Child>(
        std::vector<std::string>{fs::read_symlink("/proc/self/exe").string(), "--gtest_filter=" + current_test()},
        std::vector<std::string>{"AVLENS_DP_RANK=" + std::to_string(rank), "AVLENS_DP_PORT=" + port,
                                 "AVLENS_DP_OUT=" + out.string()},
        dir / ("rank" + std::to_string(rank) + ".log")));
  }
  // Meanwhile: one process, rank 0's start, the whole global batch.
  torch::manual_seed(100);
  model::Detector reference(tiny_model());
  backward_on(reference, global_batch());
  const auto want = gradients(reference);
  expect_all_succeed(ranks);
  if (HasFailure()) return;

  std::vector<std::vector<torch::Tensor>> got(2);
  for (int rank = 0; rank < 2; ++rank) torch::load(got[rank], (dir / ("rank" + std::to_string(rank) + ".pt")).string());
  ASSERT_EQ(got[0].size(), want.size());
  ASSERT_EQ(got[1].size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(torch::allclose(got[0][i], want[i], 1e-4, 1e-6)) << "parameter " << i;
    EXPECT_TRUE(torch::equal(got[0][i], got[1][i])) << "ranks disagree on parameter " << i;
  }
  fs::remove_all(dir);
}

// `avlens train` end to end: two ranks, one short epoch on a small cache; rank 0 validates and
// writes the checkpoint, and both report the same (rank-averaged) loss.
TEST(DataParallel, TwoCliRanksTrainAnEpoch) {
  const fs::path avlens = fs::path(AVLENS_BINARY_DIR) / "bin" / "avlens";
  ASSERT_TRUE(fs::exists(avlens)) << avlens << " is not built";
  const fs::path dir = fresh_dir("cli"), cache = dir / "cache", out = dir / "run";
  for (int v = 0; v < 6; ++v)  // 3 real and 3 fake videos of 2 windows
    fixtures::write_cache_video(cache, kTiny, "/data/video" + std::to_string(v) + ".mp4", v % 2, 2, 50 + 10 * v);
  const std::string port = std::to_string(free_port());
  std::vector<std::unique_ptr<Child>> ranks;
  for (int rank = 0; rank < 2; ++rank)
    ranks.push_back(std::make_unique<Child>(
        std::vector<std::string>{avlens.string(), "train", "--data", cache.string(), "--out", out.string(),
                                 "--val-fraction", "0.34", "--batch", "4", "--epochs", "1",
                                 "--max-steps-per-epoch", "2", "--device", "cpu", "--threads", "1",
                                 "--loader-workers", "1", "--progress", "false", "--seed", "3",
                                 "--world-size", "2", "--rank", std::to_string(rank), "--master-port", port},
        std::vector<std::string>{}, dir / ("rank" + std::to_string(rank) + ".log")));
  expect_all_succeed(ranks);
  if (HasFailure()) return;

  // Each rank's summary line on stdout.
  std::vector<nlohmann::json> reports;
  for (auto& r : ranks) {
    std::istringstream log(r->log());
    std::string line, last;
    while (std::getline(log, line))
      if (line.rfind("{\"out\"", 0) == 0) last = line;
    ASSERT_FALSE(last.empty()) << "no summary line in:\n" << r->log();
    reports.push_back(nlohmann::json::parse(last));
  }
  for (int rank = 0; rank < 2; ++rank) {
    EXPECT_EQ(reports[rank]["rank"], rank);
    EXPECT_EQ(reports[rank]["epochs"], 1);
  }
  EXPECT_EQ(reports[0]["best_train_loss"], reports[1]["best_train_loss"]);
  for (const char* f : {"last.pt", "history.json", "config.json"}) EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto history = nlohmann::json::parse(read_text(out / "history.json"));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_NEAR(history[0]["train_loss"].get<double>(), reports[0]["best_train_loss"].get<double>(), 1e-6);
  EXPECT_EQ(load_detector((out / "last.pt").string()).model->config().geometry.frames, kTiny.frames);
  fs::remove_all(dir);
}

TEST(DataParallel, BackendIsCheckedBeforeJoining) {
  DataParallelOptions o;
  o.world_size = 2;
  o.master_port = free_port();  // nothing may listen or connect there
  o.backend = "nccl";
  try {
    DataParallel dp(o);
    FAIL() << "NCCL on CPU tensors accepted";
  } catch (const Error& e) {
    const std::string why = nccl_available() ? "needs CUDA tensors" : "built without NCCL";
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
  o.backend = "mpi";
  EXPECT_THROW(DataParallel{o}, Error);
}
