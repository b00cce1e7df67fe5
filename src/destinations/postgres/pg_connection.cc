#include "destinations/postgres/pg_connection.h"

#include <cstring>

namespace sluice {
namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// libpq's messages span lines ("FATAL: ...\nserver closed the connection...\n\tThis probably
// means..."): one line reads better inside sluice's own message.
std::string OneLine(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// A statement shortened for messages (identifiers only: values are never in SQL).
std::string Abbreviate(const std::string& sql) {
  constexpr size_t kMax = 160;
  if (sql.size() <= kMax) return sql;
  return sql.substr(0, kMax) + "...";
}

// libpq reports failures while connecting as text only; these are the ones that go away.
bool IsTransientConnectFailure(const std::string& message) {
  for (const char* s :
       {"Connection refused", "timeout expired", "starting up", "shutting down", "too many clients",
        "in recovery mode", "Connection reset", "server closed the connection unexpectedly",
        "No route to host", "Temporary failure in name resolution"}) {
    if (message.find(s) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

bool IsRetriableSqlState(const std::string& s) {
  return s.rfind("08", 0) == 0 || s == "40001" || s == "40P01" || s == "57P01" || s == "57P02" ||
         s == "57P03" || s == "53300";
}

std::unique_ptr<PgConnection> PgConnection::Connect(const PostgresUri& uri) {
  // Keywords after dbname override what the URI says: sluice sends and reads UTF-8.
  const char* keys[] = {"dbname", "fallback_application_name", "client_encoding", nullptr};
  const char* values[] = {uri.libpq_uri.c_str(), "sluice", "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn) throw DestinationError("PostgreSQL: out of memory while connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    throw Error(ErrorKind::kDestination,
                "cannot connect to PostgreSQL " + uri.redacted + ": " + uri.Scrub(message),
                IsTransientConnectFailure(message));
  }
  // Notices ("table does not exist, skipping") are not for the user's terminal.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConnection> out(new PgConnection(conn, uri));
  // Text renderings the destination relies on (timestamptz in UTC, shortest exact doubles).
  out->Execute(
      "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
      "SET extra_float_digits = 1");
  return out;
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

std::string PgConnection::Describe() const {
  std::string host = PQhost(conn_) ? PQhost(conn_) : "";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string("postgresql://") + (PQuser(conn_) ? PQuser(conn_) : "") + "@" + host + ":" +
         (PQport(conn_) ? PQport(conn_) : "") + "/" + (PQdb(conn_) ? PQdb(conn_) : "");
}

bool PgConnection::InTransaction() const {
  const PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

Error PgConnection::MakeError(const PGresult* result, const std::string& sql) const {
  std::string sqlstate, message;
  if (result) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
    const char* hint = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT);
    const char* context = PQresultErrorField(result, PG_DIAG_CONTEXT);
    if (state) sqlstate = state;
    if (primary) {
      message = primary;
      if (detail) message += std::string(" (") + detail + ")";
      if (hint) message += std::string(" Hint: ") + hint;
      if (context) message += std::string(" [") + OneLine(context) + "]";
    }
  }
  if (message.empty()) message = OneLine(PQerrorMessage(conn_));
  last_sqlstate_ = sqlstate;
  const bool lost = PQstatus(conn_) == CONNECTION_BAD;
  if (lost && sqlstate.empty()) message += " (connection lost)";
  std::string text = "PostgreSQL " + Describe() + ": " + message;
  if (!sqlstate.empty()) text += " (SQLSTATE " + sqlstate + ")";
  if (!sql.empty()) text += "; statement: " + Abbreviate(sql);
  return Error(ErrorKind::kDestination, uri_.Scrub(text), lost || IsRetriableSqlState(sqlstate));
}

void PgConnection::Execute(const std::string& sql) {
  ResultPtr r(PQexec(conn_, sql.c_str()));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw MakeError(r.get(), sql);
  // PQexec with several statements returns the last result; earlier failures stop it there.
}

std::vector<PgRow> PgConnection::Query(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values(params.size());
  for (size_t i = 0; i < params.size(); i++) values[i] = params[i] ? params[i]->c_str() : nullptr;
  ResultPtr r(PQexecParams(conn_, sql.c_str(), int(params.size()), nullptr, values.data(), nullptr,
                           nullptr, 0));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw MakeError(r.get(), sql);
  std::vector<PgRow> rows;
  const int n = PQntuples(r.get()), cols = PQnfields(r.get());
  rows.reserve(n);
  for (int i = 0; i < n; i++) {
    PgRow row;
    row.values.resize(cols);
    row.nulls.resize(cols);
    for (int c = 0; c < cols; c++) {
      row.nulls[c] = PQgetisnull(r.get(), i, c);
      if (!row.nulls[c])
        row.values[c].assign(PQgetvalue(r.get(), i, c), PQgetlength(r.get(), i, c));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string PgConnection::QueryValue(const std::string& sql, const std::vector<PgParam>& params) {
  const auto rows = Query(sql, params);
  if (rows.empty() || rows[0].values.empty() || rows[0].nulls[0]) return "";
  return rows[0].values[0];
}

void PgConnection::BeginCopy(const std::string& copy_sql) {
  ResultPtr r(PQexec(conn_, copy_sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) throw MakeError(r.get(), copy_sql);
  in_copy_ = true;
}

void PgConnection::PutCopyData(const char* data, size_t size) {
  while (size > 0) {
    const int piece = int(std::min<size_t>(size, 1 << 30));
    if (PQputCopyData(conn_, data, piece) != 1) {
      // The server may have ended the COPY with an error: that error is the useful one.
      EndCopy();
      throw MakeError(nullptr, "COPY");
    }
    data += piece;
    size -= piece;
  }
}

void PgConnection::EndCopy() {
  if (!in_copy_) return;
  in_copy_ = false;
  std::optional<Error> error;
  if (PQputCopyEnd(conn_, nullptr) != 1) error = MakeError(nullptr, "COPY");
  while (PGresult* raw = PQgetResult(conn_)) {
    ResultPtr r(raw);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK && !error) error = MakeError(r.get(), "COPY");
    if (PQstatus(conn_) == CONNECTION_BAD) break;
  }
  if (error) throw *error;
}

void PgConnection::CancelCopy() noexcept {
  if (!in_copy_) return;
  in_copy_ = false;
  PQputCopyEnd(conn_, "cancelled by sluice");
  while (PGresult* r = PQgetResult(conn_)) {
    PQclear(r);
    if (PQstatus(conn_) == CONNECTION_BAD) break;
  }
}

}  // namespace sluice
