// Runs independent work on every core.
//
//   ParallelFor(files.size(), 256, [&](size_t i) { texts[i] = Read(files[i]); });
#pragma once

#include <cstddef>
#include <functional>

namespace floe {

// Calls fn(i) for every i in [0, n), each exactly once, on the calling
// thread and up to 7 more (no more than the machine's cores). Items are
// taken one at a time from a shared counter, so uneven items balance. A
// thread is added only per `min_per_thread` items: small work stays on the
// calling thread. fn must be safe to call concurrently for different i.
void ParallelFor(size_t n, size_t min_per_thread, const std::function<void(size_t)>& fn);

}  // namespace floe
