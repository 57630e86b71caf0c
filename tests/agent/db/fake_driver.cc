#include "tests/agent/db/fake_driver.h"

#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rig::testing {
namespace {

class FakeStatement : public db::Statement {
 public:
  explicit FakeStatement(FakeDriver* driver) : driver_(driver) {}
  absl::StatusOr<int64_t> Execute(absl::Span<const db::Value>) override {
    const int64_t n = ++driver_->executes;
    if (const int us = driver_->execute_us.load(); us > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(us));
    }
    const int every = driver_->fail_every.load();
    if (every > 0 && n % every == 0) {
      const int code = driver_->fail_code.load();
      return WithServerError(
          absl::AbortedError(absl::StrCat("fake error ", code)),
          {code, code == 1213 ? "40001" : "42000"});
    }
    return driver_->execute_rows.load();
  }

 private:
  FakeDriver* driver_;
};

class FakeConnection : public db::Connection {
 public:
  FakeConnection(FakeDriver* driver, int64_t id) : driver_(driver), id_(id) {
    ++driver_->open_connections;
  }
  ~FakeConnection() override { --driver_->open_connections; }
  absl::StatusOr<int64_t> Execute(absl::string_view) override {
    ++driver_->plain_executes;
    if (const int us = driver_->plain_execute_us.load(); us > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(us));
    }
    return 0;
  }
  absl::StatusOr<std::vector<db::Row>> Query(absl::string_view sql) override {
    if (absl::StrContains(sql, "VERSION()")) {
      return std::vector<db::Row>{
          {std::string("10.11.6-MariaDB-fake"), std::string("fake")}};
    }
    return std::vector<db::Row>{};
  }
  absl::StatusOr<std::unique_ptr<db::Statement>> Prepare(
      absl::string_view) override {
    return std::unique_ptr<db::Statement>(new FakeStatement(driver_));
  }
  int64_t id() const override { return id_; }

 private:
  FakeDriver* driver_;
  int64_t id_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<db::Connection>> FakeDriver::Connect(
    const db::ConnectOptions& options) {
  if (refuse_connections.load()) {
    return WithServerError(absl::UnavailableError(absl::StrCat(
                               "cannot connect to ", options.host, ":",
                               options.port, ": Connection refused")),
                           {2002, "HY000"});
  }
  const int64_t id = ++connects;
  return std::unique_ptr<db::Connection>(new FakeConnection(this, id));
}

}  // namespace rig::testing
