#pragma once

// A fake database for engine tests, with fault switches (leveldb SpecialEnv
// style). It claims nothing about SQL: it counts what it was asked and
// answers from its switches.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/db/connection.h"
#include "common/base/error_context.h"

namespace rig::testing {

class FakeDriver : public db::Driver {
 public:
  // Switches, settable at any time from any thread.
  std::atomic<bool> refuse_connections{false};  // connect fails with 2002
  std::atomic<int> fail_every{0};               // every Nth execute fails with:
  std::atomic<int> fail_code{1213};  // this server code (1213: deadlock)
  std::atomic<int> execute_us{0};    // every statement execute takes this long
  std::atomic<int> plain_execute_us{0};  // and every Connection::Execute
  // What every statement execute returns (rows read, or rows affected).
  std::atomic<int64_t> execute_rows{1};
  std::atomic<int64_t> connects{0};
  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> executes{0};        // prepared statements executed
  std::atomic<int64_t> plain_executes{0};  // Connection::Execute calls

  absl::StatusOr<std::unique_ptr<db::Connection>> Connect(
      const db::ConnectOptions& options) override;
};

}  // namespace rig::testing
