// Running statements on a Connection: parameters, fetching, staged COPY ... TO.
#include "core/strings.h"
#include "duckdb.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/statement/copy_statement.hpp"
#include "engine/internal/session_impl.h"
#include "engine/s3_file_system.h"
#include "engine/session.h"
#include "engine/staged_write.h"

namespace floe::engine {
namespace {

tmpl::Value ToValue(const duckdb::Value& v);

tmpl::Value ToValue(const duckdb::Value& v) {
  using duckdb::LogicalTypeId;
  if (v.IsNull()) return tmpl::Value();
  const auto& type = v.type();
  switch (type.id()) {
    case LogicalTypeId::BOOLEAN:
      return tmpl::Value(v.GetValue<bool>());
    case LogicalTypeId::TINYINT:
    case LogicalTypeId::SMALLINT:
    case LogicalTypeId::INTEGER:
    case LogicalTypeId::BIGINT:
    case LogicalTypeId::UTINYINT:
    case LogicalTypeId::USMALLINT:
    case LogicalTypeId::UINTEGER:
      return tmpl::Value(v.GetValue<int64_t>());
    case LogicalTypeId::UBIGINT: {
      auto u = v.GetValue<uint64_t>();
      if (u <= static_cast<uint64_t>(INT64_MAX)) return tmpl::Value(static_cast<int64_t>(u));
      return tmpl::Value(v.ToString());
    }
    case LogicalTypeId::HUGEINT:
    case LogicalTypeId::UHUGEINT: {
      // Keep exact values exact: int when it fits, else text.
      auto text = v.ToString();
      errno = 0;
      char* end = nullptr;
      long long i = std::strtoll(text.c_str(), &end, 10);
      if (errno == 0 && end == text.c_str() + text.size()) return tmpl::Value(static_cast<int64_t>(i));
      return tmpl::Value(text);
    }
    case LogicalTypeId::FLOAT:
    case LogicalTypeId::DOUBLE:
    case LogicalTypeId::DECIMAL:
      return tmpl::Value(v.GetValue<double>());
    case LogicalTypeId::LIST:
    case LogicalTypeId::ARRAY: {
      tmpl::ValueList list;
      const auto& children =
          type.id() == LogicalTypeId::LIST ? duckdb::ListValue::GetChildren(v) : duckdb::ArrayValue::GetChildren(v);
      for (const auto& child : children) list.push_back(ToValue(child));
      return tmpl::Value(std::move(list));
    }
    case LogicalTypeId::STRUCT: {
      tmpl::ValueMap map;
      const auto& children = duckdb::StructValue::GetChildren(v);
      for (size_t i = 0; i < children.size(); ++i)
        map.Set(duckdb::StructType::GetChildName(type, i), ToValue(children[i]));
      return tmpl::Value(std::move(map));
    }
    case LogicalTypeId::MAP: {
      tmpl::ValueMap map;
      for (const auto& entry : duckdb::ListValue::GetChildren(v)) {
        const auto& kv = duckdb::StructValue::GetChildren(entry);
        map.Set(kv[0].ToString(), ToValue(kv[1]));
      }
      return tmpl::Value(std::move(map));
    }
    case LogicalTypeId::TIMESTAMP:
    case LogicalTypeId::TIMESTAMP_MS:
    case LogicalTypeId::TIMESTAMP_NS:
    case LogicalTypeId::TIMESTAMP_SEC:
    case LogicalTypeId::TIMESTAMP_TZ: {
      // ISO-8601 with a 'T', as Kestra prints dates.
      std::string text = v.ToString();
      if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
      return tmpl::Value(std::move(text));
    }
    default:
      return tmpl::Value(v.ToString());
  }
}

duckdb::Value ToDuckDb(const tmpl::Value& v) {
  switch (v.kind()) {
    case tmpl::Value::Kind::kBool:
      return duckdb::Value::BOOLEAN(v.AsBool());
    case tmpl::Value::Kind::kInt:
      return duckdb::Value::BIGINT(v.AsInt());
    case tmpl::Value::Kind::kDouble:
      return duckdb::Value::DOUBLE(v.AsDouble());
    case tmpl::Value::Kind::kString:
      return duckdb::Value(v.AsString());
    case tmpl::Value::Kind::kList: {
      duckdb::vector<duckdb::Value> items;
      for (const auto& item : v.AsList()) items.push_back(ToDuckDb(item));
      if (items.empty()) return duckdb::Value::LIST(duckdb::LogicalType::VARCHAR, {});
      return duckdb::Value::LIST(items);
    }
    default:
      return duckdb::Value();
  }
}

std::string FirstLine(const std::string& sql) {
  size_t start = sql.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  size_t end = sql.find('\n', start);
  std::string line = sql.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (line.size() > 80) line = line.substr(0, 77) + "...";
  return line;
}

std::string StatementText(const duckdb::SQLStatement& s) {
  std::string text = s.query.substr(s.stmt_location, s.stmt_length);
  while (!text.empty() && (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back()))))
    text.pop_back();
  return text;
}

// Whether a COPY option is on: present without a value, or with a true one.
bool CopyOptionSet(const duckdb::CopyInfo& info, const char* name) {
  auto truthy = [](const duckdb::Value& v) {
    try {
      return v.DefaultCastAs(duckdb::LogicalType::BOOLEAN).GetValue<bool>();
    } catch (const std::exception&) {
      return true;  // not a boolean: DuckDB rejects it when it binds the statement
    }
  };
  if (auto it = info.options.find(name); it != info.options.end()) return it->second.empty() || truthy(it->second[0]);
  if (auto it = info.parsed_options.find(name); it != info.parsed_options.end()) {
    if (!it->second || it->second->GetExpressionClass() != duckdb::ExpressionClass::CONSTANT) return true;
    return truthy(it->second->Cast<duckdb::ConstantExpression>().value);
  }
  return false;
}

// What a COPY ... TO's options say about output already at its target.
ExistingOutput CopyExistingOutput(const duckdb::CopyInfo& info) {
  if (CopyOptionSet(info, "overwrite")) return ExistingOutput::kReplace;
  if (CopyOptionSet(info, "overwrite_or_ignore") || CopyOptionSet(info, "append")) return ExistingOutput::kKeep;
  return ExistingOutput::kRefuse;
}

// Collects every row of a result as a list of maps.
Result<tmpl::ValueList> Rows(duckdb::QueryResult& result, int64_t limit) {
  tmpl::ValueList rows;
  const auto& names = result.names;
  while (true) {
    auto chunk = result.Fetch();
    if (result.HasError()) return InvalidArgument(result.GetError());
    if (!chunk || chunk->size() == 0) break;
    for (duckdb::idx_t r = 0; r < chunk->size(); ++r) {
      tmpl::ValueMap row;
      for (duckdb::idx_t c = 0; c < chunk->ColumnCount(); ++c) row.Set(names[c], ToValue(chunk->GetValue(c, r)));
      rows.push_back(tmpl::Value(std::move(row)));
      if (limit >= 0 && static_cast<int64_t>(rows.size()) >= limit) return rows;
    }
  }
  return rows;
}

class Runner {
 public:
  Runner(const QueryRequest& request, duckdb::Connection& con, S3FileSystem* s3)
      : request_(request), con_(con), s3_(s3) {}

  Result<QueryResult> Run() {
    // Let the caller interrupt us until the query is over.
    struct InterruptGuard {
      const QueryRequest& request;
      ~InterruptGuard() {
        if (request.set_interrupt) request.set_interrupt(nullptr);
      }
    } guard{request_};
    duckdb::Connection& con = con_;
    if (request_.set_interrupt) request_.set_interrupt([&con] { con.Interrupt(); });
    duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements;
    try {
      statements = con.ExtractStatements(request_.sql);
    } catch (const std::exception& e) {
      return InvalidArgument("SQL does not parse: " + ErrorText(e));
    }
    if (statements.empty()) return InvalidArgument("no SQL statement to run");
    QueryResult out;
    for (size_t i = 0; i < statements.size(); ++i) {
      if (request_.cancelled && request_.cancelled()) return Status(StatusCode::kCancelled, "query cancelled");
      bool last = i + 1 == statements.size();
      std::string text = StatementText(*statements[i]);
      Status s = last ? RunLast(con, std::move(statements[i]), text, out) : RunOne(con, std::move(statements[i]));
      if (!s.ok()) {
        std::string where = statements.size() > 1 ? "statement " + std::to_string(i + 1) + " (" + FirstLine(text) + ")"
                                                  : "'" + FirstLine(text) + "'";
        return std::move(s).WithContext(where);
      }
    }
    return out;
  }

  // Runs every statement; the last one's rows, columns and types.
  Result<Table> RunTable() {
    duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements;
    try {
      statements = con_.ExtractStatements(request_.sql);
    } catch (const std::exception& e) {
      return InvalidArgument("SQL does not parse: " + ErrorText(e));
    }
    if (statements.empty()) return InvalidArgument("no SQL statement to run");
    for (size_t i = 0; i + 1 < statements.size(); ++i) RETURN_IF_ERROR(RunOne(con_, std::move(statements[i])));
    ASSIGN_OR_RETURN(auto result, Execute(con_, std::move(statements.back())));
    Table table;
    for (size_t c = 0; c < result->names.size(); ++c)
      table.columns.push_back({result->names[c], result->types[c].ToString()});
    while (true) {
      auto chunk = result->Fetch();
      if (result->HasError()) return InvalidArgument(result->GetError());
      if (!chunk || chunk->size() == 0) break;
      for (duckdb::idx_t r = 0; r < chunk->size(); ++r) {
        tmpl::ValueList row;
        row.reserve(chunk->ColumnCount());
        for (duckdb::idx_t c = 0; c < chunk->ColumnCount(); ++c) row.push_back(ToValue(chunk->GetValue(c, r)));
        table.rows.push_back(std::move(row));
      }
    }
    return table;
  }

 private:
  static std::string ErrorText(const std::exception& e) { return DuckDbErrorText(e); }

  // A COPY ... TO a local path or s3:// writes into a hidden staging sibling
  // of its target instead (the statement is rewritten), and the output
  // replaces the target only when the statement succeeds: readers never see
  // a half-written file (staged_write.h). nullptr: the statement runs as is.
  Result<std::unique_ptr<StagedWrite>> StageCopy(duckdb::SQLStatement& statement) {
    if (statement.type != duckdb::StatementType::COPY_STATEMENT) return std::unique_ptr<StagedWrite>();
    duckdb::CopyInfo& info = *statement.Cast<duckdb::CopyStatement>().info;
    if (info.is_from || info.file_path_expression || info.file_path.empty()) return std::unique_ptr<StagedWrite>();
    storage::S3Client* s3 = info.file_path.starts_with("s3://") ? &s3_->Client() : nullptr;
    ASSIGN_OR_RETURN(std::unique_ptr<StagedWrite> staged,
                     StagedWrite::Begin(info.file_path, CopyExistingOutput(info), s3));
    if (staged) info.file_path = staged->staging();
    return staged;
  }

  Result<duckdb::unique_ptr<duckdb::QueryResult>> Execute(duckdb::Connection& con,
                                                          duckdb::unique_ptr<duckdb::SQLStatement> statement) {
    ASSIGN_OR_RETURN(std::unique_ptr<StagedWrite> staged, StageCopy(*statement));
    duckdb::unique_ptr<duckdb::PreparedStatement> prepared = con.Prepare(std::move(statement));
    if (prepared->HasError()) return InvalidArgument(prepared->GetError());
    duckdb::case_insensitive_map_t<duckdb::BoundParameterData> values;
    if (!prepared->named_param_map.empty()) {
      // Named ($name) or positional (?, $1) parameters, as the statement declares.
      for (const auto& [name, index] : prepared->named_param_map) {
        bool positional = !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
        const tmpl::Value* given = nullptr;
        if (positional) {
          std::optional<size_t> i = ParseIndex(name);
          if (i && *i >= 1 && *i <= request_.positional_parameters.size())
            given = &request_.positional_parameters[*i - 1];
        } else {
          for (const auto& [k, v] : request_.named_parameters)
            if (duckdb::StringUtil::CIEquals(k, name)) given = &v;
        }
        if (!given) {
          return InvalidArgument("the SQL uses parameter " + (positional ? "$" + name : "$" + name) +
                                 " but 'parameters' does not set it");
        }
        values[name] = duckdb::BoundParameterData(ToDuckDb(*given));
      }
    }
    // Not streamed: the statement has finished (a COPY has written all its
    // files) when Execute returns.
    auto result = prepared->Execute(values, false);
    if (result->HasError()) return InvalidArgument(result->GetError());
    if (staged) RETURN_IF_ERROR(staged->Commit());
    return result;
  }

  Status RunOne(duckdb::Connection& con, duckdb::unique_ptr<duckdb::SQLStatement> statement) {
    ASSIGN_OR_RETURN(auto result, Execute(con, std::move(statement)));
    return Status::Ok();
  }

  Status RunLast(duckdb::Connection& con, duckdb::unique_ptr<duckdb::SQLStatement> statement, const std::string& text,
                 QueryResult& out) {
    switch (request_.fetch) {
      case FetchType::kNone:
        return RunOne(con, std::move(statement));
      case FetchType::kFetchOne:
      case FetchType::kFetch: {
        ASSIGN_OR_RETURN(auto result, Execute(con, std::move(statement)));
        ASSIGN_OR_RETURN(tmpl::ValueList rows, Rows(*result, request_.fetch == FetchType::kFetchOne ? 1 : -1));
        out.size = static_cast<int64_t>(rows.size());
        if (request_.fetch == FetchType::kFetchOne) {
          out.row = rows.empty() ? tmpl::Value() : rows[0];
        } else {
          out.rows = tmpl::Value(std::move(rows));
        }
        return Status::Ok();
      }
      case FetchType::kStore: {
        if (statement->type != duckdb::StatementType::SELECT_STATEMENT) {
          return InvalidArgument("fetchType STORE needs the last statement to return rows (a SELECT)");
        }
        // Let DuckDB write Parquet directly: no rows pass through floe.
        std::string copy =
            "COPY (" + text + ") TO " + QuoteSqlLiteral(request_.store_path.string()) + " (FORMAT parquet)";
        duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> parsed;
        try {
          parsed = con.ExtractStatements(copy);
        } catch (const std::exception& e) {
          return InvalidArgument(ErrorText(e));
        }
        ASSIGN_OR_RETURN(auto result, Execute(con, std::move(parsed[0])));
        ASSIGN_OR_RETURN(tmpl::ValueList rows, Rows(*result, -1));
        // COPY returns the number of rows written.
        if (!rows.empty() && rows[0].is_map() && !rows[0].AsMap().empty()) {
          const tmpl::Value& count = rows[0].AsMap().entries()[0].second;
          out.size = count.is_int() ? count.AsInt() : 0;
        }
        return Status::Ok();
      }
    }
    return Internal("unknown fetch type");
  }

  const QueryRequest& request_;
  duckdb::Connection& con_;
  S3FileSystem* s3_;  // owned by the database
};

// DuckDB reports most errors as results, but some (out of memory,
// interrupted, internal) arrive as exceptions.
template <typename F>
auto Guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Internal("DuckDB: " + DuckDbErrorText(e));
  }
}

}  // namespace

Result<QueryResult> Connection::Run(const QueryRequest& request) {
  return Guarded([&] { return Runner(request, *impl_->con, impl_->session->s3).Run(); });
}

Status Connection::Execute(std::string_view sql) {
  QueryRequest request{.sql = std::string(sql)};
  return Guarded([&]() -> Result<QueryResult> { return Runner(request, *impl_->con, impl_->session->s3).Run(); })
      .status();
}

Result<Table> Connection::Query(std::string_view sql) {
  QueryRequest request{.sql = std::string(sql)};
  return Guarded([&] { return Runner(request, *impl_->con, impl_->session->s3).RunTable(); });
}

}  // namespace floe::engine
