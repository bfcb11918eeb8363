// iceberg_scan is DuckDB's parquet_scan with floe's MultiFileReader: the
// reader binds the table's schema (columns identified by field id) and
// hands DuckDB a file list that plans lazily, after the optimizer has
// pushed the query's filters into it.
#include "iceberg/duckdb_scan.h"

#include <mutex>

#include "duckdb.hpp"
#include "duckdb/catalog/catalog_entry/table_function_catalog_entry.hpp"
#include "duckdb/common/multi_file/multi_file_list.hpp"
#include "duckdb/common/multi_file/multi_file_reader.hpp"
#include "duckdb/common/multi_file/multi_file_states.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/planner/expression/bound_between_expression.hpp"
#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/expression/bound_comparison_expression.hpp"
#include "duckdb/planner/expression/bound_conjunction_expression.hpp"
#include "duckdb/planner/expression/bound_constant_expression.hpp"
#include "duckdb/planner/expression/bound_operator_expression.hpp"
#include "iceberg/sql_text.h"
#include "iceberg/values.h"
#include "iceberg/writer.h"

namespace floe::iceberg {
namespace {

namespace dd = duckdb;
using K = Type::Kind;

struct ScanInfo : dd::TableFunctionInfo {
  ScanFunctionOptions options;
  std::shared_ptr<storage::ObjectStores> stores = std::make_shared<storage::ObjectStores>();
};

[[noreturn]] void Throw(const Status& s) {
  switch (s.code()) {
    case StatusCode::kIoError:
    case StatusCode::kUnavailable:
    case StatusCode::kInternal:
      throw dd::IOException(s.message());
    default:
      throw dd::InvalidInputException(s.message());
  }
}

dd::LogicalType DuckType(const Type& t) {
  switch (t.kind) {
    case K::kBoolean:
      return dd::LogicalType::BOOLEAN;
    case K::kInt:
      return dd::LogicalType::INTEGER;
    case K::kLong:
      return dd::LogicalType::BIGINT;
    case K::kFloat:
      return dd::LogicalType::FLOAT;
    case K::kDouble:
      return dd::LogicalType::DOUBLE;
    case K::kDecimal:
      return dd::LogicalType::DECIMAL(static_cast<uint8_t>(t.precision), static_cast<uint8_t>(t.scale));
    case K::kDate:
      return dd::LogicalType::DATE;
    case K::kTime:
      return dd::LogicalType::TIME;
    case K::kTimestamp:
      return dd::LogicalType::TIMESTAMP;
    case K::kTimestampTz:
      return dd::LogicalType::TIMESTAMP_TZ;
    case K::kString:
      return dd::LogicalType::VARCHAR;
    case K::kUuid:
      return dd::LogicalType::UUID;
    case K::kFixed:
    case K::kBinary:
      return dd::LogicalType::BLOB;
    case K::kStruct: {
      dd::child_list_t<dd::LogicalType> children;
      for (const auto& f : t.fields) children.emplace_back(f.name, DuckType(*f.type));
      return dd::LogicalType::STRUCT(std::move(children));
    }
    case K::kList:
      return dd::LogicalType::LIST(DuckType(*t.element));
    case K::kMap:
      return dd::LogicalType::MAP(DuckType(*t.key), DuckType(*t.value));
  }
  return dd::LogicalType::SQLNULL;
}

// A column as the Parquet scan maps it: by field id, with NULL for files
// written before the column existed.
dd::MultiFileColumnDefinition Column(const std::string& name, int id, const Type& type) {
  dd::MultiFileColumnDefinition c(name, DuckType(type));
  c.identifier = dd::Value::INTEGER(id);
  c.default_expression = dd::make_uniq<dd::ConstantExpression>(dd::Value(c.type));
  if (type.kind == K::kStruct) {
    for (const auto& f : type.fields) c.children.push_back(Column(f.name, f.id, *f.type));
  } else if (type.kind == K::kList) {
    c.children.push_back(Column("element", type.element_id, *type.element));
  } else if (type.kind == K::kMap) {
    c.children.push_back(Column("key", type.key_id, *type.key));
    c.children.push_back(Column("value", type.value_id, *type.value));
  }
  return c;
}

// What one iceberg_scan call shares between its reader and its file lists:
// the table and snapshot, chosen at bind.
// Positions of deleted rows, by the data file path the delete file names.
using DeletedRows = std::map<std::string, std::vector<int64_t>>;

struct ScanState {
  const ScanInfo* info = nullptr;
  std::string name;
  ScanOptions options;
  std::optional<ScanPlanner> planner;

  // Merge-on-read: the planned files that have deletes (by the path read),
  // and each delete file's rows once read.
  std::mutex deletes_mu;
  std::map<std::string, PlannedFile> with_deletes;
  std::map<std::string, std::shared_ptr<const DeletedRows>> delete_files;

  bool pinned = false;
  bool chosen = false;

  void Bind() {
    chosen = options.snapshot_id || options.as_of_ms || !options.ref.empty();
    if (!chosen && info->options.branch_of) options.ref = info->options.branch_of(name);
    auto pin = info->options.pinned.find(name);
    if (pin != info->options.pinned.end() && !chosen && pin->second != 0) {
      options.snapshot_id = pin->second;
      pinned = true;
    }
    std::unique_ptr<SqlCatalog> catalog;
    if (!info->options.catalog.empty()) {
      auto opened = SqlCatalog::Open(info->options.catalog);
      if (!opened.ok()) Throw(opened.status());
      catalog = std::move(*opened);
    }
    auto table = OpenTable(name, catalog.get(), *info->stores);
    if (!table.ok()) Throw(table.status());
    auto p = ScanPlanner::Start(std::move(*table), options, *info->stores);
    if (!p.ok()) Throw(p.status());
    planner.emplace(std::move(*p));
  }
};

// --- filters -> Predicate ----------------------------------------------------

std::optional<tmpl::Value> Literal(const dd::Value& constant, const Type& type, const dd::LogicalType& column_type) {
  if (constant.IsNull()) return std::nullopt;
  dd::Value v = constant;
  if (v.type() != column_type && !v.DefaultTryCastAs(column_type)) return std::nullopt;
  switch (type.kind) {
    case K::kBoolean:
      return tmpl::Value(dd::BooleanValue::Get(v));
    case K::kInt:
    case K::kLong:
      return tmpl::Value(v.GetValue<int64_t>());
    case K::kFloat:
    case K::kDouble: {
      double d = v.GetValue<double>();
      if (d != d) return std::nullopt;  // NaN sorts above every number: nothing to prune by
      return tmpl::Value(d);
    }
    case K::kDate:
      return tmpl::Value(static_cast<int64_t>(v.GetValue<dd::date_t>().days));
    case K::kTime:
      return tmpl::Value(static_cast<int64_t>(v.GetValue<dd::dtime_t>().micros));
    case K::kTimestamp:
    case K::kTimestampTz:
      return tmpl::Value(static_cast<int64_t>(v.GetValueUnsafe<int64_t>()));
    case K::kString:
    case K::kBinary:
    case K::kFixed:
      return tmpl::Value(dd::StringValue::Get(v));
    default:
      return std::nullopt;  // decimal, uuid: not pruned
  }
}

class FilterConverter {
 public:
  FilterConverter(const dd::MultiFilePushdownInfo& info, const Schema& schema) : info_(info), schema_(schema) {}

  Predicate Convert(const dd::Expression& e) const {
    switch (e.GetExpressionClass()) {
      case dd::ExpressionClass::BOUND_CONJUNCTION: {
        auto& c = e.Cast<dd::BoundConjunctionExpression>();
        std::vector<Predicate> children;
        for (const auto& child : c.children) children.push_back(Convert(*child));
        if (e.GetExpressionType() == dd::ExpressionType::CONJUNCTION_AND) return Predicate::And(std::move(children));
        if (e.GetExpressionType() == dd::ExpressionType::CONJUNCTION_OR) return Predicate::Or(std::move(children));
        return Predicate::True();
      }
      case dd::ExpressionClass::BOUND_COMPARISON: {
        auto& c = e.Cast<dd::BoundComparisonExpression>();
        auto op = ComparisonOp(e.GetExpressionType());
        if (!op) return Predicate::True();
        if (auto p = Leaf(*op, *c.left, *c.right)) return *p;
        if (auto p = Leaf(Flip(*op), *c.right, *c.left)) return *p;
        return Predicate::True();
      }
      case dd::ExpressionClass::BOUND_BETWEEN: {
        auto& b = e.Cast<dd::BoundBetweenExpression>();
        auto lower = Leaf(b.lower_inclusive ? Predicate::kGtEq : Predicate::kGt, *b.input, *b.lower);
        auto upper = Leaf(b.upper_inclusive ? Predicate::kLtEq : Predicate::kLt, *b.input, *b.upper);
        return Predicate::And({lower.value_or(Predicate::True()), upper.value_or(Predicate::True())});
      }
      case dd::ExpressionClass::BOUND_OPERATOR: {
        auto& o = e.Cast<dd::BoundOperatorExpression>();
        if (o.children.empty()) return Predicate::True();
        auto field = Field(*o.children[0]);
        if (!field) return Predicate::True();
        if (e.GetExpressionType() == dd::ExpressionType::OPERATOR_IS_NULL)
          return Predicate{.op = Predicate::kIsNull, .field_id = field->first->id};
        if (e.GetExpressionType() == dd::ExpressionType::OPERATOR_IS_NOT_NULL)
          return Predicate{.op = Predicate::kNotNull, .field_id = field->first->id};
        if (e.GetExpressionType() == dd::ExpressionType::COMPARE_IN) {
          Predicate in{.op = Predicate::kIn, .field_id = field->first->id};
          for (size_t i = 1; i < o.children.size(); ++i) {
            if (o.children[i]->GetExpressionClass() != dd::ExpressionClass::BOUND_CONSTANT) return Predicate::True();
            auto& value = o.children[i]->Cast<dd::BoundConstantExpression>().value;
            if (value.IsNull()) continue;  // x IN (NULL, ...) matches no row through the NULL
            auto lit = Literal(value, *field->first->type, field->second);
            if (!lit) return Predicate::True();
            in.literals.push_back(*lit);
          }
          return in;
        }
        return Predicate::True();
      }
      default:
        return Predicate::True();
    }
  }

 private:
  static std::optional<Predicate::Op> ComparisonOp(dd::ExpressionType t) {
    switch (t) {
      case dd::ExpressionType::COMPARE_EQUAL:
        return Predicate::kEq;
      case dd::ExpressionType::COMPARE_NOTEQUAL:
        return Predicate::kNotEq;
      case dd::ExpressionType::COMPARE_LESSTHAN:
        return Predicate::kLt;
      case dd::ExpressionType::COMPARE_LESSTHANOREQUALTO:
        return Predicate::kLtEq;
      case dd::ExpressionType::COMPARE_GREATERTHAN:
        return Predicate::kGt;
      case dd::ExpressionType::COMPARE_GREATERTHANOREQUALTO:
        return Predicate::kGtEq;
      default:
        return std::nullopt;
    }
  }
  static Predicate::Op Flip(Predicate::Op op) {
    switch (op) {
      case Predicate::kLt:
        return Predicate::kGt;
      case Predicate::kLtEq:
        return Predicate::kGtEq;
      case Predicate::kGt:
        return Predicate::kLt;
      case Predicate::kGtEq:
        return Predicate::kLtEq;
      default:
        return op;
    }
  }

  // The schema field and DuckDB type a column reference of this scan names.
  std::optional<std::pair<const NestedField*, dd::LogicalType>> Field(const dd::Expression& e) const {
    if (e.GetExpressionClass() != dd::ExpressionClass::BOUND_COLUMN_REF) return std::nullopt;
    auto& ref = e.Cast<dd::BoundColumnRefExpression>();
    if (ref.binding.table_index != info_.table_index || ref.binding.column_index >= info_.column_ids.size())
      return std::nullopt;
    dd::column_t global = info_.column_ids[ref.binding.column_index];
    if (global >= schema_.fields.size()) return std::nullopt;  // a virtual column (filename, ...)
    const NestedField& f = schema_.fields[global];
    if (!f.type || !f.type->is_primitive()) return std::nullopt;
    return std::make_pair(&f, ref.return_type);
  }

  std::optional<Predicate> Leaf(Predicate::Op op, const dd::Expression& column, const dd::Expression& constant) const {
    auto field = Field(column);
    if (!field || constant.GetExpressionClass() != dd::ExpressionClass::BOUND_CONSTANT) return std::nullopt;
    const dd::Value& value = constant.Cast<dd::BoundConstantExpression>().value;
    if (value.IsNull()) return Predicate{.op = Predicate::kFalse};  // a comparison with NULL is never true
    auto lit = Literal(value, *field->first->type, field->second);
    if (!lit) return std::nullopt;
    return Predicate::Compare(op, field->first->id, *lit);
  }

  const dd::MultiFilePushdownInfo& info_;
  const Schema& schema_;
};

// --- the file list -------------------------------------------------------------

class IcebergFileList : public dd::MultiFileList {
 public:
  // The plan of one filter, shared by the list's copies: planned once.
  struct Plan {
    std::mutex mu;
    std::optional<std::vector<PlannedFile>> files;
  };

  IcebergFileList(std::shared_ptr<ScanState> state, Predicate filter, std::shared_ptr<Plan> plan = nullptr)
      : dd::MultiFileList(dd::vector<dd::OpenFileInfo>{dd::OpenFileInfo(state->name)},
                          dd::FileGlobOptions::ALLOW_EMPTY),
        state_(std::move(state)),
        filter_(std::move(filter)),
        plan_(plan ? std::move(plan) : std::make_shared<Plan>()) {}

  const std::shared_ptr<ScanState>& state() const { return state_; }

  dd::unique_ptr<dd::MultiFileList> ComplexFilterPushdown(
      dd::ClientContext&, const dd::MultiFileOptions&, dd::MultiFilePushdownInfo& info,
      dd::vector<dd::unique_ptr<dd::Expression>>& filters) override {
    if (!state_->planner || filters.empty()) return nullptr;
    FilterConverter converter(info, state_->planner->schema());
    std::vector<Predicate> all = {filter_};
    bool any = false;
    for (const auto& f : filters) {
      Predicate p = converter.Convert(*f);
      any = any || p.op != Predicate::kTrue;
      all.push_back(std::move(p));
    }
    // The filters stay in `filters`: DuckDB still applies them to each row.
    if (!any) return nullptr;
    return dd::make_uniq<IcebergFileList>(state_, Predicate::And(std::move(all)));
  }

  dd::vector<dd::OpenFileInfo> GetAllFiles() override {
    const auto& files = Planned();
    dd::vector<dd::OpenFileInfo> out;
    for (const auto& f : files) out.emplace_back(f.path);
    return out;
  }
  dd::FileExpandResult GetExpandResult() override {
    size_t n = Planned().size();
    return n == 0   ? dd::FileExpandResult::NO_FILES
           : n == 1 ? dd::FileExpandResult::SINGLE_FILE
                    : dd::FileExpandResult::MULTIPLE_FILES;
  }
  dd::idx_t GetTotalFileCount() override { return Planned().size(); }
  dd::unique_ptr<dd::NodeStatistics> GetCardinality(dd::ClientContext&) override {
    if (!state_->planner || state_->planner->EstimatedRows() < 0) return nullptr;
    return dd::make_uniq<dd::NodeStatistics>(static_cast<dd::idx_t>(state_->planner->EstimatedRows()));
  }
  dd::unique_ptr<dd::MultiFileList> Copy() override { return dd::make_uniq<IcebergFileList>(state_, filter_, plan_); }

 protected:
  dd::OpenFileInfo GetFile(dd::idx_t i) override {
    const auto& files = Planned();
    return i < files.size() ? dd::OpenFileInfo(files[i].path) : dd::OpenFileInfo("");
  }

 private:
  const std::vector<PlannedFile>& Planned() {
    std::lock_guard lock(plan_->mu);
    if (plan_->files) return *plan_->files;
    if (!state_->planner) throw dd::InternalException("iceberg_scan: the file list was read before the bind");
    auto plan = state_->planner->Plan(filter_);
    if (!plan.ok()) Throw(plan.status());
    if (state_->info->options.on_scan) {
      const OpenedTable& t = state_->planner->table();
      state_->info->options.on_scan(ScanReport{.table = state_->name,
                                               .metadata_location = t.metadata_location,
                                               .snapshot_id = state_->planner->snapshot_id(),
                                               .moved = t.moved(),
                                               .pinned = state_->pinned,
                                               .chosen = state_->chosen,
                                               .found_location = t.found_location,
                                               .stats = plan->stats});
    }
    {
      std::lock_guard deletes_lock(state_->deletes_mu);
      for (const auto& f : plan->files)
        if (!f.position_deletes.empty() || !f.equality_deletes.empty()) state_->with_deletes[f.path] = f;
    }
    plan_->files = std::move(plan->files);
    return *plan_->files;
  }

  std::shared_ptr<ScanState> state_;
  Predicate filter_;
  std::shared_ptr<Plan> plan_;
};

// --- the reader ----------------------------------------------------------------

// Drops the rows at the deleted positions (sorted) of one data file.
class PositionDeleteFilter : public dd::DeleteFilter {
 public:
  explicit PositionDeleteFilter(std::vector<int64_t> positions) : positions_(std::move(positions)) {}
  dd::idx_t Filter(dd::row_t start, dd::idx_t count, dd::SelectionVector& result) override {
    auto next = std::lower_bound(positions_.begin(), positions_.end(), static_cast<int64_t>(start));
    result.Initialize(STANDARD_VECTOR_SIZE);  // the Parquet reader hands over an empty one
    dd::idx_t kept = 0;
    for (dd::idx_t i = 0; i < count; ++i) {
      if (next != positions_.end() && *next == static_cast<int64_t>(start + i)) {
        ++next;
        continue;
      }
      result.set_index(kept++, i);
    }
    return kept;
  }

 private:
  std::vector<int64_t> positions_;
};

class IcebergReader : public dd::MultiFileReader {
 public:
  explicit IcebergReader(const ScanInfo* info) : info_(info) { function_name = "iceberg_scan"; }

  static dd::unique_ptr<dd::MultiFileReader> Create(const dd::TableFunction& function) {
    return dd::make_uniq<IcebergReader>(dynamic_cast<const ScanInfo*>(function.function_info.get()));
  }

  dd::shared_ptr<dd::MultiFileList> CreateFileList(dd::ClientContext&, const dd::vector<dd::string>& paths,
                                                   const dd::FileGlobInput&) override {
    if (paths.size() != 1) throw dd::BinderException("iceberg_scan reads one table: give its name or path");
    state_ = std::make_shared<ScanState>();
    state_->info = info_;
    state_->name = paths[0];
    return dd::make_shared_ptr<IcebergFileList>(state_, Predicate::True());
  }

  bool ParseOption(const dd::string& key, const dd::Value& value, dd::MultiFileOptions& options,
                   dd::ClientContext& context) override {
    if (key == "snapshot_id") {
      if (value.IsNull()) throw dd::BinderException("iceberg_scan: snapshot_id must not be NULL");
      state_->options.snapshot_id = value.GetValue<int64_t>();
      return true;
    }
    if (key == "as_of") {
      if (value.IsNull()) throw dd::BinderException("iceberg_scan: as_of must not be NULL");
      dd::Value ts = value;
      if (!ts.DefaultTryCastAs(dd::LogicalType::TIMESTAMP_TZ))
        throw dd::BinderException("iceberg_scan: as_of must be a timestamp, not " + value.ToString());
      state_->options.as_of_ms = ts.GetValueUnsafe<int64_t>() / 1000;
      return true;
    }
    if (key == "ref") {
      if (value.IsNull()) throw dd::BinderException("iceberg_scan: ref must not be NULL");
      state_->options.ref = dd::StringValue::Get(value);
      return true;
    }
    return dd::MultiFileReader::ParseOption(key, value, options, context);
  }

  bool Bind(dd::MultiFileOptions&, dd::MultiFileList& files, dd::vector<dd::LogicalType>& return_types,
            dd::vector<dd::string>& names, dd::MultiFileReaderBindData& bind_data) override {
    auto& list = dynamic_cast<IcebergFileList&>(files);
    list.state()->Bind();
    for (const auto& f : list.state()->planner->schema().fields) {
      dd::MultiFileColumnDefinition column = Column(f.name, f.id, *f.type);
      names.push_back(column.name);
      return_types.push_back(column.type);
      bind_data.schema.push_back(std::move(column));
    }
    bind_data.mapping = dd::MultiFileColumnMappingMode::BY_FIELD_ID;
    return true;
  }

  void BindOptions(dd::MultiFileOptions& options, dd::MultiFileList& files, dd::vector<dd::LogicalType>& return_types,
                   dd::vector<dd::string>& names, dd::MultiFileReaderBindData& bind_data) override {
    // Partitions come from the table's metadata, not from folder names.
    options.auto_detect_hive_partitioning = false;
    options.hive_partitioning = false;
    options.union_by_name = false;
    dd::MultiFileReader::BindOptions(options, files, return_types, names, bind_data);
  }

  // Merge-on-read: a file with position deletes skips the deleted rows.
  void FinalizeBind(dd::MultiFileReaderData& reader_data, const dd::MultiFileOptions& file_options,
                    const dd::MultiFileReaderBindData& options,
                    const dd::vector<dd::MultiFileColumnDefinition>& global_columns,
                    const dd::vector<dd::ColumnIndex>& global_column_ids, dd::ClientContext& context,
                    dd::optional_ptr<dd::MultiFileReaderGlobalState> global_state) override {
    dd::MultiFileReader::FinalizeBind(reader_data, file_options, options, global_columns, global_column_ids, context,
                                      global_state);
    if (!state_ || !reader_data.reader) return;
    PlannedFile file;
    {
      std::lock_guard lock(state_->deletes_mu);
      auto it = state_->with_deletes.find(reader_data.reader->file.path);
      if (it == state_->with_deletes.end()) return;
      file = it->second;
    }
    std::vector<int64_t> positions;
    for (const auto& d : file.position_deletes) {
      auto rows = DeleteFileRows(d, context);
      auto hit = rows->find(file.entry.file.file_path);
      if (hit != rows->end()) positions.insert(positions.end(), hit->second.begin(), hit->second.end());
    }
    for (const auto& d : file.equality_deletes) {
      std::vector<int64_t> hit = EqualityDeletedRows(file.path, d, context);
      positions.insert(positions.end(), hit.begin(), hit.end());
    }
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    reader_data.reader->deletion_filter = dd::make_uniq<PositionDeleteFilter>(std::move(positions));
  }

  dd::unique_ptr<dd::MultiFileReader> Copy() const override {
    auto copy = dd::make_uniq<IcebergReader>(info_);
    copy->state_ = state_;
    return copy;
  }

 private:
  // The positions of `data`'s rows that an equality delete file deletes:
  // both files read by field id, rows matching on every equality column
  // (a null matches a null, as the spec says).
  std::vector<int64_t> EqualityDeletedRows(const std::string& data, const PlannedFile::EqualityDelete& d,
                                           dd::ClientContext& context) {
    std::string columns, on;
    for (size_t i = 0; i < d.field_ids.size(); ++i) {
      const NestedField* field = state_->planner->schema().FindField(d.field_ids[i]);
      if (!field)
        throw dd::IOException("iceberg_scan: equality delete file " + d.path + " names field " +
                              std::to_string(d.field_ids[i]) + ", which the schema read does not hold");
      std::string c = "c" + std::to_string(i);
      columns += (i ? ", " : "") + std::to_string(field->id) + ": {name: '" + c + "', type: '" +
                 DuckDbTypeSql(*field->type) + "', default_value: NULL}";
      on += (i ? " AND " : "") + std::string("d.") + c + " IS NOT DISTINCT FROM e." + c;
    }
    const std::string schema = "schema = MAP {" + columns + "}";
    dd::Connection con(*context.db);
    auto result =
        con.Query("SELECT d.file_row_number FROM read_parquet(" + SqlString(data) + ", file_row_number = true, " +
                  schema + ") AS d SEMI JOIN read_parquet(" + SqlString(d.path) + ", " + schema + ") AS e ON " + on);
    if (result->HasError())
      throw dd::IOException("iceberg_scan: cannot apply equality delete file " + d.path + ": " + result->GetError());
    std::vector<int64_t> rows;
    for (dd::idx_t i = 0; i < result->RowCount(); ++i) rows.push_back(result->GetValue(0, i).GetValue<int64_t>());
    return rows;
  }

  // A position delete file's rows, read once per scan (on a connection of
  // its own: this runs while the query's own is busy).
  std::shared_ptr<const DeletedRows> DeleteFileRows(const std::string& path, dd::ClientContext& context) {
    {
      std::lock_guard lock(state_->deletes_mu);
      auto it = state_->delete_files.find(path);
      if (it != state_->delete_files.end()) return it->second;
    }
    dd::Connection con(*context.db);
    auto result = con.Query("SELECT file_path, pos FROM read_parquet(" + SqlString(path) + ") ORDER BY file_path, pos");
    if (result->HasError())
      throw dd::IOException("iceberg_scan: cannot read position delete file " + path + ": " + result->GetError());
    auto rows = std::make_shared<DeletedRows>();
    for (dd::idx_t i = 0; i < result->RowCount(); ++i) {
      dd::Value file = result->GetValue(0, i), pos = result->GetValue(1, i);
      if (file.IsNull() || pos.IsNull())
        throw dd::IOException("iceberg_scan: position delete file " + path + " has a row without file_path or pos");
      (*rows)[dd::StringValue::Get(file)].push_back(pos.GetValue<int64_t>());
    }
    std::lock_guard lock(state_->deletes_mu);
    state_->delete_files[path] = rows;
    return rows;
  }

  const ScanInfo* info_;
  std::shared_ptr<ScanState> state_;
};

// iceberg_bucket(value, n): the spec's bucket transform, for writes.
void BucketFunction(dd::DataChunk& args, dd::ExpressionState&, dd::Vector& result) {
  const dd::LogicalType& input = args.data[0].GetType();
  K kind = input.id() == dd::LogicalTypeId::DATE           ? K::kDate
           : input.id() == dd::LogicalTypeId::TIMESTAMP    ? K::kTimestamp
           : input.id() == dd::LogicalTypeId::TIMESTAMP_TZ ? K::kTimestampTz
           : input.id() == dd::LogicalTypeId::VARCHAR      ? K::kString
           : input.id() == dd::LogicalTypeId::BLOB         ? K::kBinary
                                                           : K::kLong;
  TypePtr type = Type::Primitive(kind);
  for (dd::idx_t i = 0; i < args.size(); ++i) {
    dd::Value v = args.data[0].GetValue(i);
    dd::Value n = args.data[1].GetValue(i);
    if (v.IsNull() || n.IsNull()) {
      result.SetValue(i, dd::Value(dd::LogicalType::INTEGER));
      continue;
    }
    int32_t buckets = n.GetValue<int32_t>();
    if (buckets <= 0) throw dd::InvalidInputException("iceberg_bucket: the number of buckets must be positive");
    auto literal = Literal(v, *type, input);
    if (!literal) throw dd::InvalidInputException("iceberg_bucket: cannot hash " + v.ToString());
    auto hash = BucketHash(*type, *literal);
    if (!hash.ok()) throw dd::InvalidInputException("iceberg_bucket: " + hash.status().message());
    result.SetValue(i, dd::Value::INTEGER((*hash & 0x7fffffff) % buckets));
  }
}

}  // namespace

engine::FunctionRegistrar IcebergFunctions(ScanFunctionOptions options) {
  return [options = std::move(options)](dd::DatabaseInstance& db) -> Status {
    dd::ExtensionLoader loader(db, "floe_iceberg");
    auto parquet = loader.TryGetTableFunction("parquet_scan");
    if (!parquet) return Internal("DuckDB has no parquet_scan function to read Iceberg data files with");
    dd::TableFunctionSet set = parquet->Cast<dd::TableFunctionCatalogEntry>().functions;
    auto info = dd::make_shared_ptr<ScanInfo>();
    info->options = options;
    for (auto& f : set.functions) {
      f.name = "iceberg_scan";
      f.get_multi_file_reader = IcebergReader::Create;
      f.function_info = info;
      // A plan holding iceberg_scan is not serialized, and the table's own
      // statistics stand for the files'.
      f.serialize = nullptr;
      f.deserialize = nullptr;
      f.statistics = nullptr;
      f.get_bind_info = nullptr;
      f.named_parameters.erase("schema");
      f.named_parameters["snapshot_id"] = dd::LogicalType::BIGINT;
      f.named_parameters["as_of"] = dd::LogicalType::TIMESTAMP_TZ;
      f.named_parameters["ref"] = dd::LogicalType::VARCHAR;
    }
    set.name = "iceberg_scan";
    loader.RegisterFunction(std::move(set));

    dd::ScalarFunctionSet bucket("iceberg_bucket");
    for (const auto& t : {dd::LogicalType::BIGINT, dd::LogicalType::DATE, dd::LogicalType::TIMESTAMP,
                          dd::LogicalType::TIMESTAMP_TZ, dd::LogicalType::VARCHAR, dd::LogicalType::BLOB})
      bucket.AddFunction(dd::ScalarFunction({t, dd::LogicalType::INTEGER}, dd::LogicalType::INTEGER, BucketFunction));
    loader.RegisterFunction(std::move(bucket));
    return Status::Ok();
  };
}

}  // namespace floe::iceberg
