#include "core/pipeline/run_observer.h"

#include <csignal>
#include <cstdlib>

#include "core/util/strings.h"

namespace xp::pipeline {

namespace {

// Fault injection for the resume and data-parallel tests: XP_TEST_KILL_AT_BATCH=N dies like
// `kill -9` after the process's Nth training batch — only in the rank XP_TEST_KILL_RANK names,
// when set (a data-parallel job's ranks share the environment). XP_TEST_KILL_SIGNAL=STOP freezes
// the process instead, as `kill -STOP` does: a rank that hangs without closing anything;
// XP_TEST_KILL_SIGNAL=INT is a Ctrl-C at that exact batch.
std::int64_t kill_at_batch_from_environment() {
  const char* value = std::getenv("XP_TEST_KILL_AT_BATCH");
  const char* only_rank = std::getenv("XP_TEST_KILL_RANK");
  const char* rank = std::getenv("RANK");
  if (only_rank && std::string(only_rank) != (rank ? rank : "0")) return 0;
  return value ? std::atoll(value) : 0LL;
}

}  // namespace

RunObserver::RunObserver(report::Console& console, report::MetricsCsv& metrics,
                         report::LrScheduleLog& schedule, report::TrainingLossLog& losses,
                         report::RunEvents& events, report::RunRecord& record,
                         std::string metric_name)
    : console_(console),
      metrics_(metrics),
      schedule_(schedule),
      losses_(losses),
      events_(events),
      record_(record),
      metric_name_(std::move(metric_name)),
      kill_at_batch_(kill_at_batch_from_environment()) {}

void RunObserver::begin_stage(int index, const std::string& type) {
  stage_index_ = index;
  stage_type_ = type;
  header_printed_ = false;
  stage_rows_.clear();
  stage_lr_.clear();
  stage_losses_.clear();
  stage_lr_find_.clear();
  events_.begin_stage(index, type);
  record_.stage(index, type, -1);
}

void RunObserver::end_stage() {
  schedule_.write();
  losses_.write();
  events_.flush();
}

void RunObserver::replay(int index, const StageOutputs& outputs) {
  for (const auto& row : outputs.metric_rows) metrics_.add_line(row);
  rows_ += outputs.metric_rows.size();
  if (outputs.last_metric) last_metric_ = *outputs.last_metric;
  for (const auto& [iteration, groups] : outputs.lr_rows) schedule_.add(index, iteration, groups);
  schedule_.write();
  for (const auto& [iteration, loss, smoothed] : outputs.loss_rows)
    losses_.add(index, static_cast<std::int64_t>(iteration), loss, smoothed);
  losses_.write();
  events_.replay_stage(outputs.lr_rows, outputs.loss_rows, outputs.metric_rows);
  for (const auto& [iteration, lr, loss, smoothed] : outputs.lr_find_rows)
    events_.lr_find(index, static_cast<std::int64_t>(iteration), lr, loss, smoothed);
  events_.flush();
}

void RunObserver::resume(std::size_t rows, double last_metric) {
  rows_ = rows;
  last_metric_ = last_metric;
}

void RunObserver::on_epoch_begin(std::int64_t epoch, std::int64_t epochs, std::int64_t batches) {
  // "[2] fit epoch 1/3": a progress line in a log says where the run is without the lines above.
  console_.progress_begin(
      str_cat("[", stage_index_, "] ", stage_type_, " epoch ", epoch + 1, "/", epochs), batches);
  record_.stage(stage_index_, stage_type_, epoch);
  done_ = 0;
}

void RunObserver::on_batch(std::int64_t, double smoothed_loss) {
  console_.progress_update(++done_, smoothed_loss);
  if (kill_at_batch_ > 0 && ++batches_ == kill_at_batch_) {
    const char* name = std::getenv("XP_TEST_KILL_SIGNAL");
    const std::string signal = name ? name : "";
    std::raise(signal == "STOP" ? SIGSTOP : signal == "INT" ? SIGINT : SIGKILL);
  }
}

void RunObserver::on_lr(std::int64_t iteration, const std::vector<double>& group_lrs) {
  schedule_.add(stage_index_, iteration, group_lrs);
  events_.lr(iteration, group_lrs);
  stage_lr_.emplace_back(iteration, group_lrs);
}

void RunObserver::on_loss(std::int64_t iteration, double loss, double smoothed_loss) {
  losses_.add(stage_index_, iteration, loss, smoothed_loss);
  events_.loss(iteration, loss, smoothed_loss);
  stage_losses_.push_back({static_cast<double>(iteration), loss, smoothed_loss});
}

void RunObserver::on_lr_find(std::int64_t iteration, double lr, double loss, double smoothed_loss) {
  stage_lr_find_.push_back({static_cast<double>(iteration), lr, loss, smoothed_loss});
  events_.lr_find(stage_index_, iteration, lr, loss, smoothed_loss);
}

void RunObserver::on_epoch(const train::EpochStats& stats) {
  console_.progress_end();
  // The header comes with the stage's first epoch line: lr_find shows progress but no epochs.
  if (!header_printed_) {
    console_.line(str_printf("%-10s %-10s %-10s %-10s %s", "epoch", "trn_loss", "val_loss",
                             metric_name_.c_str(), "time"));
    header_printed_ = true;
  }
  console_.line(str_printf("%-10lld %-10.6f %-10.6f %-10.6f %s",
                           static_cast<long long>(stats.epoch), stats.trn_loss, stats.val_loss,
                           stats.metric, report::format_duration(stats.seconds).c_str()));
  report::MetricsRow row;
  row.stage = stage_index_;
  row.stage_type = stage_type_;
  row.epoch = stats.epoch;
  row.lr = stats.lr;
  row.trn_loss = stats.trn_loss;
  row.trn_loss_mean = stats.trn_loss_mean;
  row.val_loss = stats.val_loss;
  row.metric = stats.metric;
  row.seconds = stats.seconds;
  metrics_.add(row);
  events_.epoch(stats.trn_loss, stats.val_loss, stats.metric);
  stage_rows_.push_back(report::MetricsCsv::format(row));
  ++rows_;
  last_metric_ = stats.metric;
}

}  // namespace xp::pipeline
