from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from inferd.errors import InvalidInputError
from inferd.telemetry.prediction_log.parquet_sink import ParquetSink
from inferd.telemetry.prediction_log.record import PredictionRecord
from tests.telemetry.prediction_log.conftest import make_record

NOON_2024_03_01 = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC).timestamp()


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


def first_row_group_columns(root: Path, records: list[PredictionRecord]) -> dict[str, Any]:
    """``records`` written by a sink into ``root`` (one file): its first row group's column chunks by name."""
    sink = ParquetSink(root)
    sink.write(records)
    sink.close()
    (path,) = parquet_files(root)
    group = pq.ParquetFile(path).metadata.row_group(0)
    return {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}


def read_duckdb(root: Path, query: str) -> list[tuple[object, ...]]:
    source = f"read_parquet('{root}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
    return duckdb.sql(query.replace("predictions", source)).fetchall()


def test_files_are_laid_out_by_model_version_and_utc_date(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    sink.write([make_record(time_s=NOON_2024_03_01), make_record(model="fraud", version=1)])
    sink.close()
    folders = {path.parent.relative_to(tmp_path).as_posix() for path in parquet_files(tmp_path)}
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert folders == {"model=churn/version=3/date=2024-03-01", f"model=fraud/version=1/date={today}"}
    name = parquet_files(tmp_path)[0].name
    assert name.startswith("part-")
    assert f"-{os.getpid()}-" in name


def test_duckdb_reads_the_folder_as_one_table_with_partitions(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    records = [make_record(rows=3), make_record(rows=1), make_record(rows=2, model="fraud", version=1)]
    sink.write(records)
    sink.close()
    rows = read_duckdb(
        tmp_path,
        "SELECT model, version, count(*), count(DISTINCT prediction_id), max(row) "
        "FROM predictions GROUP BY ALL ORDER BY model",
    )
    assert rows == [("churn", 3, 4, 2, 2), ("fraud", 1, 2, 1, 1)]
    first = read_duckdb(
        tmp_path,
        "SELECT input__age, input__plan, input__is_member, output__probabilities, trace_id, latency_s "
        f"FROM predictions WHERE prediction_id = '{records[0].prediction_id}' ORDER BY row",
    )
    assert first[1] == (31.5, "pro", False, [0.25, 0.75], records[0].trace_id, 0.0042)


def test_columns_keep_their_types(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    sink.write([make_record(rows=2, time_s=NOON_2024_03_01)])
    sink.close()
    schema = pq.read_schema(parquet_files(tmp_path)[0])
    types = {name: str(schema.field(name).type) for name in schema.names}
    assert types == {
        "prediction_id": "string",
        "row": "int32",
        "time": "timestamp[us, tz=UTC]",
        "latency_s": "double",
        "trace_id": "string",
        "degraded": "bool",
        "input__age": "float",
        "input__visits": "int64",
        "input__is_member": "bool",
        "input__plan": "string",
        "output__label": "int64",
        "output__probabilities": "fixed_size_list<element: double>[2]",
    }
    times = pq.read_table(parquet_files(tmp_path)[0]).column("time").to_pylist()
    assert times == [dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)] * 2


def test_pyarrow_dataset_reads_the_partitions(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    sink.write([make_record(rows=2), make_record(rows=5, version=4)])
    sink.close()
    table = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 7
    assert sorted(set(table.column("version").to_pylist())) == [3, 4]


def test_bytes_and_nullable_strings_are_written(tmp_path: Path) -> None:
    record = PredictionRecord(
        "id-1",
        NOON_2024_03_01,
        "m",
        1,
        {"blob": np.array([b"\x00\xff", b"ok"], dtype=object), "note": np.array([None, "x"], dtype=object)},
        {"grid": np.arange(8, dtype=np.int32).reshape(2, 2, 2)},
        0.1,
        None,
    )
    sink = ParquetSink(tmp_path)
    sink.write([record])
    sink.close()
    table = pq.read_table(parquet_files(tmp_path)[0])
    assert table.column("input__blob").to_pylist() == [b"\x00\xff", b"ok"]
    assert table.column("input__note").to_pylist() == [None, "x"]
    assert table.column("trace_id").to_pylist() == [None, None]
    assert table.column("output__grid").to_pylist()[1] == [[4, 5], [6, 7]]


def test_an_open_file_is_invisible_until_it_is_closed(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    sink.write([make_record()])
    assert parquet_files(tmp_path) == []
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) <= 1
    assert ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table().num_rows == 0
    sink.close()
    assert len(parquet_files(tmp_path)) == 1
    assert list(tmp_path.rglob(".*")) == []


def test_files_rotate_after_rotate_rows(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, rotate_rows=5)
    sink.write([make_record(rows=3) for _ in range(4)])
    sink.close()
    sizes = [pq.read_metadata(path).num_rows for path in parquet_files(tmp_path)]
    assert sorted(sizes) == [2, 5, 5]


def test_files_rotate_after_rotate_s_even_without_new_rows(tmp_path: Path) -> None:
    clock = FakeClock()
    sink = ParquetSink(tmp_path, rotate_s=60, clock=clock)
    sink.write([make_record()])
    clock.now_s += 59
    sink.write([])
    assert parquet_files(tmp_path) == []
    clock.now_s += 1
    sink.write([])
    assert len(parquet_files(tmp_path)) == 1
    sink.write([make_record()])
    sink.close()
    assert len(parquet_files(tmp_path)) == 2


def test_a_new_schema_starts_a_new_file(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    other = make_record()
    other.inputs["extra"] = np.array([1.0, 2.0])
    sink.write([make_record(), other, make_record()])
    sink.close()
    assert len(parquet_files(tmp_path)) >= 2
    assert read_duckdb(tmp_path, "SELECT count(*), count(input__extra) FROM predictions") == [(6, 2)]


def test_writers_sharing_a_folder_do_not_overwrite_each_other(tmp_path: Path) -> None:
    sinks = [ParquetSink(tmp_path), ParquetSink(tmp_path)]  # as two server workers would
    for sink in sinks:
        sink.write([make_record(rows=4)])
    for sink in sinks:
        sink.close()
    assert len(parquet_files(tmp_path)) == 2
    assert read_duckdb(tmp_path, "SELECT count(*) FROM predictions") == [(8,)]


def test_after_a_failed_write_the_sink_carries_on(tmp_path: Path) -> None:
    blocker = tmp_path / "model=churn"
    blocker.write_text("a file where the partition folder should go")
    sink = ParquetSink(tmp_path)
    with pytest.raises(OSError, match="model=churn"):
        sink.write([make_record()])
    blocker.unlink()
    sink.write([make_record(rows=3)])
    sink.close()
    assert [pq.read_metadata(path).num_rows for path in parquet_files(tmp_path)] == [3]


def test_a_column_of_mixed_objects_is_kept_as_text(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    mixed = make_record()
    mixed.inputs["plan"] = np.array([{"not": "a string"}, 1], dtype=object)  # Arrow falls back to text
    sink.write([mixed])
    sink.close()
    assert pq.read_table(parquet_files(tmp_path)[0]).column("input__plan").to_pylist() == [
        "{'not': 'a string'}",
        "1",
    ]


def test_null_only_string_columns_are_typed_as_strings(tmp_path: Path) -> None:
    record = make_record()
    record.inputs["plan"] = np.array([None, None], dtype=object)
    sink = ParquetSink(tmp_path)
    sink.write([record])
    sink.close()
    assert pq.read_schema(parquet_files(tmp_path)[0]).field("input__plan").type == pa.string()


def test_a_column_whose_dtype_changes_is_not_cast_but_starts_a_new_file(tmp_path: Path) -> None:
    narrow, wide, again = make_record(), make_record(), make_record()
    wide.inputs["visits"] = np.array([2**40, 3], dtype=np.int64)
    narrow.inputs["visits"] = again.inputs["visits"] = np.array([1, 2], dtype=np.int32)
    sink = ParquetSink(tmp_path)
    sink.write([narrow, wide, again])
    sink.close()
    types = sorted(str(pq.read_schema(path).field("input__visits").type) for path in parquet_files(tmp_path))
    assert types == ["int32", "int64"]
    assert read_duckdb(tmp_path, "SELECT max(input__visits), count(*) FROM predictions") == [(2**40, 6)]


def test_a_request_whose_columns_disagree_on_rows_is_refused_naming_them(tmp_path: Path) -> None:
    broken = make_record(rows=2)
    broken.outputs["label"] = np.array([1, 0, 1])
    with pytest.raises(InvalidInputError, match="output label: 3"):
        ParquetSink(tmp_path).write([make_record(rows=2), broken])


def test_values_unique_to_a_request_are_not_dictionary_encoded_and_the_others_are(tmp_path: Path) -> None:
    columns = first_row_group_columns(tmp_path, [make_record(rows=4) for _ in range(50)])
    encodings = {name: column.encodings for name, column in columns.items()}
    for unique in ("prediction_id", "time", "latency_s", "trace_id"):
        assert not any("DICTIONARY" in encoding for encoding in encodings[unique]), unique
    for repeated in ("input__plan", "output__label"):
        assert any("DICTIONARY" in encoding for encoding in encodings[repeated]), repeated


def test_arrays_are_written_as_given_whatever_their_memory_layout(tmp_path: Path) -> None:
    grid = np.arange(40, dtype=np.float32).reshape(10, 4)
    views = [grid[0:1, ::2], grid[1:2, 1::2], np.asfortranarray(grid[2:5, :2]), grid[5:5, :2]]
    records = [
        PredictionRecord(f"id-{i}", NOON_2024_03_01, "m", 1, {"x": x}, {"y": np.arange(len(x))}, 0.1, None)
        for i, x in enumerate(views)
    ]
    sink = ParquetSink(tmp_path)
    sink.write(records)
    sink.close()
    rows = read_duckdb(tmp_path, "SELECT prediction_id, input__x, output__y FROM predictions ORDER BY ALL")
    assert rows == [
        ("id-0", [0.0, 2.0], 0),
        ("id-1", [5.0, 7.0], 0),
        ("id-2", [8.0, 9.0], 0),
        ("id-2", [12.0, 13.0], 1),
        ("id-2", [16.0, 17.0], 2),
    ]


def test_flat_columns_carry_statistics_that_let_readers_skip_row_groups(tmp_path: Path) -> None:
    columns = first_row_group_columns(tmp_path, [make_record(rows=4) for _ in range(10)])
    for flat in ("time", "latency_s", "input__age", "input__visits", "output__label"):
        assert columns[flat].is_stats_set, flat
        assert columns[flat].statistics.has_min_max, flat
    assert columns["input__age"].statistics.max == 33.5
