"""insar_hf.schema: the shared facts and the one metadata coercion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf import schema


def test_split_streams_cover_the_splits_in_order():
    assert tuple(schema.SPLIT_STREAMS) == schema.SPLITS
    assert list(schema.SPLIT_STREAMS.values()) == [0, 1, 2]


def test_example_stream_is_no_split_stream():
    assert schema.EXAMPLE_STREAM not in schema.SPLIT_STREAMS.values()


def test_positive_label_is_class_one():
    assert schema.LABEL_NAMES.index(schema.POSITIVE_LABEL) == 1


def test_paper_split_sizes_add_up_to_the_paper_total():
    assert sum(schema.PAPER_SPLIT_SIZES.values()) == 1_006_796


def test_metadata_columns_drop_the_base_columns_and_keep_the_order():
    columns = schema.metadata_columns()
    assert "label" not in columns and "kind" not in columns
    expected = [k for k in schema.METADATA_FIELDS if k not in schema.BASE_COLUMNS]
    assert list(columns) == expected


@pytest.mark.parametrize(("dtype", "missing"), [("int64", -1), ("string", ""), ("bool", False)])
def test_missing_values_by_type(dtype, missing):
    assert schema.missing_value(dtype) == missing


def test_missing_float_is_nan():
    assert math.isnan(schema.missing_value("float32"))


def test_typed_value_rounds_floats_to_float32():
    assert schema.typed_value(0.1, "float32") == float(np.float32(0.1)) != 0.1


def test_typed_value_of_none_is_the_missing_value():
    assert schema.typed_value(None, "string") == "" and schema.typed_value(None, "int64") == -1


def test_typed_metadata_follows_the_field_order_and_types():
    fields = {"b": "int64", "a": "string", "c": "bool"}
    out = schema.typed_metadata({"a": 5, "c": 1, "b": np.int32(3), "extra": 1.0}, fields)
    assert list(out.items()) == [("b", 3), ("a", "5"), ("c", True)]
    assert type(out["b"]) is int


def test_typed_metadata_names_the_missing_fields():
    with pytest.raises(KeyError, match=r"metadata lacks fields \['b'\]"):
        schema.typed_metadata({"a": 1}, {"a": "int64", "b": "int64"})


def test_unknown_dtype_is_refused():
    with pytest.raises(ValueError, match="metadata dtype 'float16' is not one of"):
        schema.missing_value("float16")
