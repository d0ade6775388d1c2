#include "core/data/loader.h"

#include <torch/torch.h>

#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "core/data/image_file.h"
#include "core/util/error.h"
#include "core/util/rng.h"

namespace xp::data {

namespace {
constexpr std::uint64_t kShuffleStream = 0x1u;
constexpr std::uint64_t kAugmentStream = 0x2u;

// Gray (IDX) images as RGB, for the augmentation, which works on three channels.
cv::Mat as_rgb(const cv::Mat& image) {
  if (image.channels() == 3) return image;
  cv::Mat rgb;
  cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
  return rgb;
}
}  // namespace

// Recycles batch image buffers. A 64×3×224×224 float batch is 38 MB, above glibc's largest mmap
// threshold, so a fresh tensor per batch would be mapped and page-faulted in (zeroed by the
// kernel) every time; a buffer handed back by a batch's last reference is reused instead.
class DataLoader::BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  BufferPool(std::size_t keep, bool pinned) : keep_(keep), pinned_(pinned) {}
  ~BufferPool() {
    for (void* buffer : free_) std::free(buffer);
  }

  torch::Tensor tensor(const std::vector<std::int64_t>& shape) {
    // Pinned memory comes from LibTorch's caching host allocator, which already reuses it, and
    // which knows when a GPU copy from a buffer has finished (ours would not).
    if (pinned_) return torch::empty(shape, torch::dtype(torch::kFloat32).pinned_memory(true));
    std::int64_t elements = 1;
    for (const auto dim : shape) elements *= dim;
    const std::size_t bytes = static_cast<std::size_t>(elements) * sizeof(float);
    void* buffer = nullptr;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (bytes_ != bytes) {  // a new batch shape: the old buffers do not fit
        for (void* old : free_) std::free(old);
        free_.clear();
        bytes_ = bytes;
      }
      if (!free_.empty()) {
        buffer = free_.back();
        free_.pop_back();
      }
    }
    if (!buffer) buffer = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!buffer) throw std::bad_alloc();
    std::weak_ptr<BufferPool> pool = weak_from_this();
    return torch::from_blob(
        buffer, shape,
        [pool, bytes](void* data) {
          if (auto alive = pool.lock())
            alive->give_back(data, bytes);
          else
            std::free(data);
        },
        torch::kFloat32);
  }

 private:
  void give_back(void* buffer, std::size_t bytes) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (bytes == bytes_ && free_.size() < keep_)
      free_.push_back(buffer);
    else
      std::free(buffer);
  }

  std::mutex mutex_;
  std::size_t keep_;
  bool pinned_;
  std::size_t bytes_ = 0;
  std::vector<void*> free_;
};

struct DataLoader::State {
  std::mutex mutex;
  std::condition_variable changed;
  std::int64_t next_to_make = 0;  // next batch index a worker will claim
  std::int64_t next_to_hand = 0;  // next batch index next() returns
  std::int64_t total = 0;
  bool stopping = false;
  std::map<std::int64_t, Batch> ready;
  std::map<std::int64_t, std::exception_ptr> failed;
  std::vector<std::thread> workers;
};

LoaderOptions training_loader_options(int batch_size, int workers, std::uint64_t seed,
                                      AugmentOptions augment, bool reduced_decode) {
  LoaderOptions options;
  options.batch_size = batch_size;
  options.shuffle = true;
  options.merge_single_last = true;
  options.workers = workers;
  options.seed = seed;
  options.augment = augment;
  options.reduced_decode = reduced_decode;
  return options;
}

DataLoader::DataLoader(std::shared_ptr<const ImageSet> set, LoaderOptions options,
                       PreprocessOptions preprocess)
    : set_(std::move(set)),
      options_(options),
      preprocess_(preprocess),
      state_(std::make_unique<State>()),
      buffers_(std::make_shared<BufferPool>(
          static_cast<std::size_t>(options.prefetch + options.workers + 2), options.pin_memory)) {
  // The loader's parallelism is its workers: no nested OpenCV pools. cv::setNumThreads is process-wide
  // and rebuilds OpenCV's pool, so it must not run while any thread is inside an OpenCV parallel
  // loop: it is called once, here, on the thread that makes the first loader (before any worker
  // exists), never from the workers (each worker calling it at every epoch start raced with the
  // others' cv::resize and crashed intermittently).
  static std::once_flag opencv_threads;
  std::call_once(opencv_threads, [] { cv::setNumThreads(1); });
  XP_CHECK(options_.batch_size > 0, "batch_size must be > 0, got ", options_.batch_size);
  XP_CHECK(options_.workers > 0, "workers must be > 0, got ", options_.workers);
  XP_CHECK(options_.prefetch > 0, "prefetch must be > 0, got ", options_.prefetch);
  XP_CHECK(samples_per_epoch() > 0 || !options_.drop_last, "split '", set_->name, "' has ",
           set_->size(), " images, fewer than one batch of ", options_.batch_size,
           "; lower data.batch_size");
  XP_CHECK(set_->size() != 1 || !options_.merge_single_last, "split '", set_->name,
           "' has 1 image; training needs at least 2 (BatchNorm cannot train on one)");
  check_shard(set_->size(), options_, str_cat("split '", set_->name, "'"));
}

void check_shard(std::int64_t n, const LoaderOptions& options, const std::string& what) {
  const int ranks = options.shard.count;
  XP_ASSERT(ranks >= 1 && options.shard.rank >= 0 && options.shard.rank < ranks, "shard ",
            options.shard.rank, " of ", ranks);
  if (ranks == 1 || !options.merge_single_last) return;
  // Training: BatchNorm needs two images on every rank at every step.
  XP_CHECK(options.batch_size >= 2 * ranks, "data.batch_size ", options.batch_size, " split over ",
           ranks,
           " ranks leaves a rank fewer than 2 images a step "
           "(BatchNorm cannot train on one); use a batch size of at least ",
           2 * ranks);
  XP_CHECK(n >= 2 * ranks, what, " has ", n, " samples: too few for ", ranks,
           " ranks to train on two each");
}

std::vector<std::int64_t> epoch_order(std::int64_t n, const LoaderOptions& options,
                                      std::int64_t epoch) {
  if (options.shuffle) {
    Rng rng(options.seed, {kShuffleStream, static_cast<std::uint64_t>(epoch)});
    return permutation(n, rng);
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

DataLoader::~DataLoader() { stop_workers(); }

std::int64_t batches_per_epoch(std::int64_t n, const LoaderOptions& options) {
  const std::int64_t full = n / options.batch_size;
  const std::int64_t rest = n % options.batch_size;
  if (options.drop_last || rest == 0) return full;
  if (options.merge_single_last && rest < 2 * std::int64_t{options.shard.count} && full > 0)
    return full;  // the few join the last full batch
  return full + 1;
}

BatchRange global_batch_range(std::int64_t n, const LoaderOptions& options,
                              std::int64_t batch_index) {
  const std::int64_t first = batch_index * options.batch_size;
  const bool last = batch_index + 1 == batches_per_epoch(n, options);
  // The last batch runs to the end, unless the rest is dropped: a partial batch, or a full one
  // with a single sample merged into it.
  const std::int64_t end = last && !options.drop_last ? n : std::min(first + options.batch_size, n);
  return {first, end - first};
}

BatchRange batch_range(std::int64_t n, const LoaderOptions& options, std::int64_t batch_index) {
  const BatchRange whole = global_batch_range(n, options, batch_index);
  const std::int64_t ranks = options.shard.count;
  const std::int64_t rank = options.shard.rank;
  if (ranks == 1) return whole;
  const std::int64_t begin = whole.first + whole.count * rank / ranks;
  const std::int64_t end = whole.first + whole.count * (rank + 1) / ranks;
  return {begin, end - begin};
}

torch::Tensor join_shards(const std::vector<torch::Tensor>& parts, std::int64_t n,
                          const LoaderOptions& options) {
  XP_ASSERT(static_cast<int>(parts.size()) == options.shard.count && !options.shuffle,
            "join_shards: one part per rank of an unshuffled epoch");
  std::vector<torch::Tensor> rows;
  std::vector<std::int64_t> taken(parts.size(), 0);
  LoaderOptions rank_options = options;
  for (std::int64_t batch = 0; batch < batches_per_epoch(n, options); ++batch) {
    for (std::size_t rank = 0; rank < parts.size(); ++rank) {
      rank_options.shard.rank = static_cast<int>(rank);
      const std::int64_t count = batch_range(n, rank_options, batch).count;
      rows.push_back(parts[rank].slice(0, taken[rank], taken[rank] + count));
      taken[rank] += count;
    }
  }
  for (std::size_t rank = 0; rank < parts.size(); ++rank)
    XP_ASSERT(taken[rank] == parts[rank].size(0), "join_shards: rank ", rank, " has ",
              parts[rank].size(0), " rows, its batches ", taken[rank]);
  return torch::cat(rows);
}

std::int64_t DataLoader::batches_per_epoch() const {
  return data::batches_per_epoch(set_->size(), options_);
}

std::int64_t DataLoader::samples_per_epoch() const {
  return options_.drop_last ? batches_per_epoch() * options_.batch_size : set_->size();
}

void DataLoader::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->changed.notify_all();
  for (auto& worker : state_->workers) worker.join();
  state_->workers.clear();
}

void DataLoader::start_epoch(std::int64_t epoch) {
  stop_workers();
  epoch_ = epoch;
  order_ = epoch_order(set_->size(), options_, epoch);
  State& state = *state_;
  state.next_to_make = 0;
  state.next_to_hand = 0;
  state.total = batches_per_epoch();
  state.stopping = false;
  state.ready.clear();
  state.failed.clear();
  for (int worker_idx = 0; worker_idx < options_.workers; ++worker_idx) {
    state.workers.emplace_back([this, &state] {
      while (true) {
        std::int64_t batch_index;
        {
          std::unique_lock<std::mutex> lock(state.mutex);
          state.changed.wait(lock, [&] {
            return state.stopping || state.next_to_make >= state.total ||
                   state.next_to_make < state.next_to_hand + options_.prefetch;
          });
          if (state.stopping || state.next_to_make >= state.total) return;
          batch_index = state.next_to_make++;
        }
        try {
          Batch batch = make_batch(batch_index);
          std::lock_guard<std::mutex> lock(state.mutex);
          state.ready.emplace(batch_index, std::move(batch));
        } catch (...) {
          std::lock_guard<std::mutex> lock(state.mutex);
          state.failed.emplace(batch_index, std::current_exception());
        }
        state.changed.notify_all();
      }
    });
  }
}

std::optional<Batch> DataLoader::next() {
  State& state = *state_;
  std::unique_lock<std::mutex> lock(state.mutex);
  XP_ASSERT(!state.workers.empty() || state.total == 0 || state.next_to_hand >= state.total,
            "DataLoader::next() called before start_epoch()");
  if (state.next_to_hand >= state.total) return std::nullopt;
  const std::int64_t wanted = state.next_to_hand;
  state.changed.wait(
      lock, [&] { return state.ready.count(wanted) > 0 || state.failed.count(wanted) > 0; });
  if (auto failure = state.failed.find(wanted); failure != state.failed.end())
    std::rethrow_exception(failure->second);
  Batch batch = std::move(state.ready.at(wanted));
  state.ready.erase(wanted);
  ++state.next_to_hand;
  lock.unlock();
  state.changed.notify_all();
  return batch;
}

torch::Tensor lookup_pixels(const Batch& batch) {
  if (batch.images.scalar_type() != torch::kUInt8) return batch.images;
  const auto sizes = batch.images.sizes();
  const torch::Tensor index = batch.images.reshape({sizes[0], sizes[1], -1}).to(torch::kInt64);
  return batch.pixel_tables.gather(2, index).reshape(sizes);
}

cv::Mat sample_image(const ImageSet& set, std::int64_t sample, int min_shorter_side) {
  if (!set.in_memory())
    return read_image_rgb(set.files[static_cast<std::size_t>(sample)], min_shorter_side);
  // A view into the [N, H, W, C] tensor: no copy, no per-sample tensor op.
  const auto& images = set.images;
  const int height = static_cast<int>(images.size(1));
  const int width = static_cast<int>(images.size(2));
  const int channels = static_cast<int>(images.size(3));
  auto* pixels = images.data_ptr<std::uint8_t>() + sample * std::int64_t{height} * width * channels;
  return cv::Mat(height, width, channels == 1 ? CV_8UC1 : CV_8UC3, pixels);
}

cv::Mat DataLoader::image(std::int64_t sample, int min_shorter_side) const {
  return sample_image(*set_, sample, options_.reduced_decode ? min_shorter_side : 0);
}

Batch DataLoader::make_batch(std::int64_t batch_index) const {
  const auto [first, count] = batch_range(set_->size(), options_, batch_index);
  const int size = preprocess_.size;

  Batch batch;
  batch.index = batch_index;
  batch.global_size = global_batch_range(set_->size(), options_, batch_index).count;
  const auto pinned = [&](torch::ScalarType type) {
    return torch::dtype(type).pinned_memory(options_.pin_memory);
  };
  if (options_.uint8_pixels) {
    batch.images = torch::empty({count, 3, size, size}, pinned(torch::kUInt8));
    batch.pixel_tables = torch::empty({count, 3, 256}, pinned(torch::kFloat32));
  } else {
    batch.images = buffers_->tensor({count, 3, size, size});
  }
  const std::int64_t plane = 3 * std::int64_t{size} * size;
  const auto out_for = [&](std::int64_t slot) {
    if (!options_.uint8_pixels) return ChwOut(batch.images.data_ptr<float>() + slot * plane);
    return ChwOut(batch.images.data_ptr<std::uint8_t>() + slot * plane,
                  batch.pixel_tables.data_ptr<float>() + slot * 3 * 256);
  };
  for (std::int64_t slot = 0; slot < count; ++slot) {
    const std::int64_t sample = order_[static_cast<std::size_t>(first + slot)];
    const ChwOut image_out = out_for(slot);
    try {
      if (options_.augment.enabled()) {
        // Drawn before decoding: the draw's zoom says how many pixels the decoder must keep.
        Rng rng(options_.seed, {kAugmentStream, static_cast<std::uint64_t>(epoch_),
                                static_cast<std::uint64_t>(sample)});
        const AugmentDraw draw = draw_augmentation(options_.augment, rng);
        const cv::Mat pixels = image(sample, static_cast<int>(std::ceil(draw.zoom * size)));
        augment_into(as_rgb(pixels), draw, preprocess_, image_out);
      } else {
        preprocess_into(image(sample, size), preprocess_, image_out);
      }
    } catch (const DataError& error) {
      if (!options_.skip_unreadable) throw;
      batch.images[slot].zero_();
      if (batch.pixel_tables.defined()) batch.pixel_tables[slot].zero_();
      batch.unreadable.push_back({slot, error.what()});
    }
  }
  // Class indices, n-hot rows or regression values alike: the batch's rows of the label tensor.
  const auto begin = order_.begin() + first;
  batch.labels = set_->labels.index_select(
      0, torch::tensor(std::vector<std::int64_t>(begin, begin + count), torch::kInt64));
  return batch;
}

}  // namespace xp::data
