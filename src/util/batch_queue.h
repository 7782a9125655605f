#pragma once
// The queue between many producers and one worker thread that takes what is
// waiting in batches (the database writer, the completion thread). Closing it
// lets the worker drain what is queued; then take() returns nothing.
// Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

namespace hubbub {

template <class T>
class BatchQueue {
 public:
  // Queues `item` (moved from) and wakes the worker; false, with `item`
  // untouched, once the queue is closed.
  bool push(T& item) {
    {
      std::lock_guard lock(m_mutex);
      if (m_closed) {
        return false;
      }
      m_items.push_back(std::move(item));
    }
    m_cv.notify_one();
    return true;
  }
  // Queues several at once (they are taken in order).
  void push_all(std::deque<T>& items) {
    {
      std::lock_guard lock(m_mutex);
      for (auto& item : items) {
        m_items.push_back(std::move(item));
      }
    }
    items.clear();
    m_cv.notify_one();
  }

  // Waits until something is queued, then takes up to `max` items, oldest
  // first; empty once the queue is closed and drained.
  std::deque<T> take(std::size_t max = SIZE_MAX) {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_closed || !m_items.empty(); });
    std::deque<T> batch;
    if (m_items.size() <= max) {
      batch.swap(m_items);
      return batch;
    }
    for (std::size_t i = 0; i < max; ++i) {
      batch.push_back(std::move(m_items.front()));
      m_items.pop_front();
    }
    return batch;
  }

  // No more pushes; the worker drains what is left.
  void close() {
    {
      std::lock_guard lock(m_mutex);
      m_closed = true;
    }
    m_cv.notify_all();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<T> m_items;  // guarded by m_mutex
  bool m_closed = false;  // guarded by m_mutex
};

}  // namespace hubbub
