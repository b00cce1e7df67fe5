// Events per second `sluice serve` acknowledges (each one fdatasync'd before its 200, syncs
// shared by concurrent requests), and how long the loader then takes to move them into DuckDB.
//   sluice_webhook_bench [--connections N] [--events N] [--bytes N] [--dir DIR]
// DIR (default: a directory under /tmp) holds the spool and the database; put it on the disk
// you want to measure.
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "webhook/webhook_service.h"

int main(int argc, char** argv) {
  using namespace sluice;
  using Clock = std::chrono::steady_clock;
  int connections = 16, events = 20000, bytes = 500;
  std::string dir = "/tmp/sluice_webhook_bench_" + std::to_string(::getpid());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--connections")
      connections = std::atoi(argv[i + 1]);
    else if (flag == "--events")
      events = std::atoi(argv[i + 1]);
    else if (flag == "--bytes")
      bytes = std::atoi(argv[i + 1]);
    else if (flag == "--dir")
      dir = argv[i + 1];
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  WebhookConfig config;
  config.destination = "duckdb:///" + std::filesystem::absolute(dir).string() + "/bench.duckdb";
  config.listen = "127.0.0.1:0";
  config.spool_dir = dir + "/spool";
  config.batch_rows = 5000;
  config.batch_interval_s = 0.5;
  WebhookRouteConfig route;
  route.path = "/events";
  route.table = "events";
  route.id_path = "id";
  config.routes = {route};
  WebhookService service(config);
  const int port = service.Start();

  const std::string pad(std::max(0, bytes - 60), 'x');
  std::atomic<int> next{0}, failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> senders;
  for (int c = 0; c < connections; c++) {
    if (getenv("STAGGER")) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    senders.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      for (int n; (n = next++) < events;) {
        const std::string body = "{\"id\":\"evt_" + std::to_string(n) +
                                 "\",\"amount\":" + std::to_string(n % 977) + ",\"note\":\"" + pad +
                                 "\"}";
        auto res = client.Post("/events", body, "application/json");
        if (!res || res->status != 200) {
          if (failed++ < 5) {
            std::fprintf(stderr, "event %d: %s\n", n,
                         res ? std::to_string(res->status).c_str()
                             : httplib::to_string(res.error()).c_str());
          }
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  const double accept_s = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t syncs = service.spool().syncs();
  const auto drain_start = Clock::now();
  const bool drained = service.Stop(std::chrono::minutes(10));
  const double drain_s = std::chrono::duration<double>(Clock::now() - drain_start).count();
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("connections %d, events %d of ~%d bytes, failed %d\n", connections, events, bytes,
              failed.load());
  std::printf("accepted (fdatasync'd before 200): %.0f events/s (%.2f s)\n", events / accept_s,
              accept_s);
  std::printf("fdatasync calls: %llu (%.1f events per sync)\n",
              static_cast<unsigned long long>(syncs),
              double(events) / double(std::max<uint64_t>(1, syncs)));
  std::printf("drain after the last 200: %.2f s; end to end %.0f events/s loaded%s\n", drain_s,
              events / total_s, drained ? "" : " (NOT drained)");
  std::filesystem::remove_all(dir);
  return failed || !drained ? 1 : 0;
}
