// Data-parallel scaling on this machine (issue #17), in one run: training steps of one process
// with T threads against N Gloo ranks (processes) with T/N threads each, over the same global
// batch — images/s side by side, the scaling efficiency (goal ≥ 0.9 on two cores), and the share
// of a rank's step spent waiting for the gradient all-reduce after backward (what the overlap
// with backward did not hide). Steps are xp's: the model's forward and backward, the gradient
// average in DDP's buckets (dist/gradient_averager), SGD with momentum; synthetic images, so the
// loader is not measured.
//
//   build/bench/xp_bench_ddp [arch=resnet18] [size=224] [batch=32] [steps=6] [ranks=2]
#include <sys/wait.h>
#include <unistd.h>

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/dist/gradient_averager.h"
#include "core/dist/launch_env.h"
#include "core/dist/process_group.h"
#include "core/models/classifier.h"
#include "core/util/free_port.h"
#include "core/util/spawn.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  std::string arch = "resnet18";
  int size = 224;
  int batch = 32;
  int steps = 6;
  int ranks = 2;
};

struct Timing {
  double images_per_second = 0;  // of the whole job: the global batch per step
  double waiting_share = 0;      // of a step, waiting in GradientAverager::finish
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One untimed and `steps` timed SGD steps over this process's `images`; with a group, the
// gradients averaged over the ranks.
Timing train(const Settings& settings, std::int64_t images, xp::dist::ProcessGroup* group) {
  xp::models::ModelOptions options;
  options.arch = settings.arch;
  torch::manual_seed(1);
  xp::models::Classifier model(options, 10);
  model->train();
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  std::optional<xp::dist::GradientAverager> average;
  if (group) average.emplace(*group, model->parameters());
  const torch::Tensor inputs = torch::randn({images, 3, settings.size, settings.size});
  const torch::Tensor labels = torch::randint(0, 10, {images}, torch::kInt64);
  double waiting = 0;
  Clock::time_point start;
  for (int step = 0; step <= settings.steps; ++step) {
    if (step == 1) {  // the first step creates oneDNN's primitives: not timed
      if (group) group->barrier();
      start = Clock::now();
      waiting = 0;
    }
    sgd.zero_grad();
    torch::nll_loss(model->forward(inputs), labels).backward();
    if (average) {
      const auto finish_started = Clock::now();
      average->finish();
      waiting += seconds_since(finish_started);
    }
    sgd.step();
  }
  const double seconds = seconds_since(start);
  return {settings.batch * settings.steps / seconds, waiting / seconds};
}

// Starts this program as rank `rank` of the job, its results into `out`.
pid_t start_rank(int rank, int port, const Settings& settings, const std::string& out) {
  return xp::spawn(
      xp::self_executable(),
      {"xp_bench_ddp", settings.arch, std::to_string(settings.size), std::to_string(settings.batch),
       std::to_string(settings.steps), std::to_string(settings.ranks)},
      xp::environment_with({"RANK=" + std::to_string(rank),
                            "WORLD_SIZE=" + std::to_string(settings.ranks), "MASTER_ADDR=127.0.0.1",
                            "MASTER_PORT=" + std::to_string(port), "XP_BENCH_OUT=" + out}));
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (argc > 1) settings.arch = argv[1];
  if (argc > 2) settings.size = std::stoi(argv[2]);
  if (argc > 3) settings.batch = std::stoi(argv[3]);
  if (argc > 4) settings.steps = std::stoi(argv[4]);
  if (argc > 5) settings.ranks = std::stoi(argv[5]);
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const int rank_threads = std::max(1, cores / settings.ranks);

  if (const char* out = std::getenv("XP_BENCH_OUT")) {  // one rank of the job
    const xp::dist::LaunchEnv env = xp::dist::launch_env();
    torch::set_num_threads(rank_threads);
    const auto group = xp::dist::ProcessGroup::connect(env, std::chrono::seconds(120));
    const std::int64_t images = settings.batch * (env.rank + 1) / settings.ranks -
                                settings.batch * env.rank / settings.ranks;
    const Timing timing = train(settings, images, group.get());
    if (env.rank == 0)
      std::ofstream(out) << timing.images_per_second << " " << timing.waiting_share;
    return 0;
  }

  std::printf("DDP bench: %s at %d px, global batch %d, %d timed steps; %d cores\n\n",
              settings.arch.c_str(), settings.size, settings.batch, settings.steps, cores);
  torch::set_num_threads(cores);
  const Timing one = train(settings, settings.batch, nullptr);
  std::printf("%-34s %10.2f images/s\n", (std::to_string(cores) + " threads, one process").c_str(),
              one.images_per_second);

  const std::string out =
      (std::filesystem::temp_directory_path() / ("xp-bench-ddp-" + std::to_string(getpid())))
          .string();
  const int port = xp::free_loopback_port();
  std::vector<pid_t> ranks;
  for (int rank = 0; rank < settings.ranks; ++rank)
    ranks.push_back(start_rank(rank, port, settings, out));
  bool failed = false;
  for (const pid_t pid : ranks) {
    int status = 0;
    waitpid(pid, &status, 0);
    failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  Timing job;
  std::ifstream(out) >> job.images_per_second >> job.waiting_share;
  std::filesystem::remove(out);
  if (failed || job.images_per_second <= 0) {
    std::fprintf(stderr, "a rank failed\n");
    return 1;
  }
  std::printf("%-34s %10.2f images/s   all-reduce wait %.1f%% of a step\n",
              (std::to_string(settings.ranks) + " Gloo ranks x " + std::to_string(rank_threads) +
               " thread(s)")
                  .c_str(),
              job.images_per_second, 100 * job.waiting_share);
  std::printf("\nscaling efficiency (ranks / one process): %.2f\n",
              job.images_per_second / one.images_per_second);
  return 0;
}
