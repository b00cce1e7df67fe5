// A local JSON API for bench/api.sh: GET /issues?page=K&per_page=N serves page K of a
// deterministic dataset of issue-like records (nested user object, labels array, text fields),
// with a Link rel="next" header and a JSON body {"items": [...], "next": URL|null}. Runs in its
// own process so the loaders' CPU time can be measured apart from the server's.
//   sluice_api_bench_server PORT RECORDS
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void AppendRecord(long id, std::string* out) {
  char buf[1024];
  const int n = std::snprintf(
      buf, sizeof buf,
      "{\"id\":%ld,\"number\":%ld,\"title\":\"Issue %ld: crash when loading a large file\","
      "\"state\":\"%s\",\"comments\":%ld,\"created_at\":\"2024-%02ld-%02ldT%02ld:%02ld:00Z\","
      "\"updated_at\":\"2025-%02ld-%02ldT%02ld:%02ld:%02ldZ\",\"score\":%ld.%02ld,"
      "\"user\":{\"id\":%ld,\"login\":\"user%ld\",\"site_admin\":%s},"
      "\"labels\":[{\"id\":%ld,\"name\":\"bug\"},{\"id\":%ld,\"name\":\"p%ld\"}],"
      "\"body\":\"Steps to reproduce: run the loader on file %ld and observe the error.\"}",
      id, id, id, id % 3 ? "open" : "closed", id % 17, id % 12 + 1, id % 28 + 1, id % 24, id % 60,
      id % 12 + 1, id % 28 + 1, id % 24, id % 60, id % 59, id % 1000, id % 100, id % 5000,
      id % 5000, id % 7 ? "false" : "true", id % 11, id % 13 + 100, id % 4, id);
  out->append(buf, size_t(n));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s PORT RECORDS\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const long records = std::atol(argv[2]);
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.Get("/issues", [&](const httplib::Request& req, httplib::Response& res) {
    const long page = req.has_param("page") ? std::atol(req.get_param_value("page").c_str()) : 1;
    const long per_page =
        req.has_param("per_page") ? std::atol(req.get_param_value("per_page").c_str()) : 100;
    const long first = (page - 1) * per_page + 1;
    const long last = std::min(records, page * per_page);
    std::string body = "{\"items\":[";
    body.reserve(size_t(per_page) * 520 + 200);
    for (long id = first; id <= last; id++) {
      if (id > first) body += ',';
      AppendRecord(id, &body);
    }
    body += "],\"next\":";
    if (last < records) {
      const std::string next = "http://127.0.0.1:" + std::to_string(port) +
                               "/issues?page=" + std::to_string(page + 1) +
                               "&per_page=" + std::to_string(per_page);
      body += "\"" + next + "\"";
      res.set_header("Link", "<" + next + ">; rel=\"next\"");
    } else {
      body += "null";
    }
    body += "}";
    res.set_content(body, "application/json");
  });
  std::fprintf(stderr, "serving %ld records on 127.0.0.1:%d\n", records, port);
  return server.listen("127.0.0.1", port) ? 0 : 1;
}
