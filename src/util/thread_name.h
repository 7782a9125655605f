#pragma once
// Names the calling thread (shown by top -H, ps -L, gdb, perf), at most 15
// characters.

#include <pthread.h>

#include <string>

namespace hubbub {

inline void name_this_thread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace hubbub
