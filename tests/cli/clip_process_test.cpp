// The process per clip of the batch commands (native/cli/clip_process.hpp; issue 17 item 2): output
// and exit status come back, a crash is named by its signal, a hang is stopped at the time limit and
// the next job still runs, the memory limit applies. The children are this test program itself
// (the runner re-executes /proc/self/exe), running one of the disabled ClipProcessChild tests below.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "cli/clip_process.hpp"
#include "process_memory.hpp"

using avlens::cli::ClipProcessLimits;
using avlens::cli::ClipProcessResult;

namespace {

// What a child does: only when run on purpose (--gtest_also_run_disabled_tests), never in the suite.
TEST(ClipProcessChild, DISABLED_Prints) {
  std::printf("result of a clip\n");
  std::fflush(stdout);
  _exit(0);
}
TEST(ClipProcessChild, DISABLED_ExitsWith3) { _exit(3); }
TEST(ClipProcessChild, DISABLED_Segfaults) {
  volatile int* nowhere = nullptr;
  *nowhere = 1;
}
TEST(ClipProcessChild, DISABLED_Aborts) { std::abort(); }
TEST(ClipProcessChild, DISABLED_Hangs) {
  for (;;) pause();
}
TEST(ClipProcessChild, DISABLED_AllocatesAGigabyte) {
  try {
    // Address space only (one page touched): the test must not take a gigabyte of the machine.
    std::unique_ptr<char[]> block(new char[size_t{1} << 30]);
    static_cast<volatile char*>(block.get())[0] = 1;
    std::printf("allocated %zu\n", size_t{1} << 30);
  } catch (const std::bad_alloc&) {
    std::printf("bad_alloc\n");
  }
  std::fflush(stdout);
  _exit(0);
}

std::vector<std::string> child(const std::string& name) {
  return {"--gtest_also_run_disabled_tests", "--gtest_filter=ClipProcessChild.DISABLED_" + name};
}

std::map<size_t, ClipProcessResult> run(const std::vector<std::string>& names, int parallel,
                                        const ClipProcessLimits& limits) {
  std::vector<std::vector<std::string>> jobs;
  for (const auto& n : names) jobs.push_back(child(n));
  std::map<size_t, ClipProcessResult> results;
  avlens::cli::run_clip_processes(jobs, parallel, limits, [&](size_t i, const ClipProcessResult& r) {
    EXPECT_EQ(results.count(i), 0u) << "job " << i << " reported twice";
    results[i] = r;
  });
  return results;
}

}  // namespace

TEST(ClipProcess, OutputExitStatusAndSignalsComeBackForEveryJob) {
  const ClipProcessLimits limits;
  auto r = run({"Prints", "ExitsWith3", "Segfaults", "Aborts", "Prints"}, 2, limits);
  ASSERT_EQ(r.size(), 5u);
  for (size_t i : {0, 4}) {
    EXPECT_TRUE(r[i].exited());
    EXPECT_EQ(r[i].exit_code, 0);
    EXPECT_NE(r[i].out.find("result of a clip\n"), std::string::npos) << r[i].out;
    EXPECT_EQ(r[i].failure(limits), "");
  }
  EXPECT_TRUE(r[1].exited());
  EXPECT_EQ(r[1].exit_code, 3);
  EXPECT_EQ(r[2].signal, SIGSEGV);
  EXPECT_EQ(r[2].failure(limits),
            "crashed: the process reading this clip was killed by SIGSEGV (Segmentation fault); the other clips "
            "are not affected");
  EXPECT_EQ(r[3].signal, SIGABRT);
  EXPECT_NE(r[3].failure(limits).find("killed by SIGABRT (Aborted)"), std::string::npos);
}

TEST(ClipProcess, AHangIsStoppedAtTheLimitAndTheNextJobRuns) {
  ClipProcessLimits limits;
  limits.seconds = 10;  // far above what starting this program takes on a loaded machine
  auto r = run({"Hangs", "Prints"}, 1, limits);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].timed_out);
  EXPECT_FALSE(r[0].exited());
  EXPECT_EQ(r[0].failure(limits), "timed_out: reading this clip took more than 10 s (--clip-timeout); it was stopped");
  EXPECT_TRUE(r[1].exited());
  EXPECT_EQ(r[1].exit_code, 0);
}

TEST(ClipProcess, TheMemoryLimitAppliesToTheChild) {
  ClipProcessLimits limits;
  // The child is this program with its libraries (LibTorch's alone map hundreds of megabytes when
  // the trainer is built): room to start and run, but not for its gigabyte.
  limits.memory_bytes = avlens::testing::mapped_bytes() + (size_t{512} << 20);
  auto r = run({"AllocatesAGigabyte"}, 1, limits);
  EXPECT_NE(r[0].out.find("bad_alloc"), std::string::npos) << r[0].out;
  limits.memory_bytes = 0;
  r = run({"AllocatesAGigabyte"}, 1, limits);
  EXPECT_NE(r[0].out.find("allocated 1073741824"), std::string::npos) << r[0].out;
}

TEST(ClipProcess, ArgvWithoutKeepsTheOptionsForTheChild) {
  const std::vector<std::string> argv = {"a.mp4", "--json",    "--threads", "1",     "b.mp4",  "--in-process",
                                         "--model=m.onnx", "--workers", "4", "c.mp4", "--stride", "-3"};
  EXPECT_EQ(avlens::cli::argv_without(argv, {"threads", "model", "workers", "stride"}, {"in-process", "workers"}),
            (std::vector<std::string>{"--json", "--threads", "1", "--model=m.onnx", "--stride", "-3"}));
}
