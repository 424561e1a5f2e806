"""Strings coded as integers in order of first appearance, as ``pd.factorize`` codes them, by one Arrow dictionary
encoding of their chunks when they are Arrow strings (no copy into one column, no Python object per value).

pandas' own factorize of an Arrow string column encodes it with Arrow too, after joining its chunks: the codes and
the distinct values are the same (``tests/test_post_keys.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: pandas' default string dtype (Arrow strings, a missing value is NaN).
STR = pd.StringDtype("pyarrow", na_value=np.nan)


def factorize(columns: list[pd.Series]) -> tuple[np.ndarray, pd.Series]:
    """The values of ``columns`` (strings) read one after the other: the code of each (-1 for a missing one) and
    the distinct values, as ``pd.factorize(pd.concat(columns))`` gives them (the distinct values as a Series)."""
    arrays = [column.array for column in columns]
    if not all(isinstance(array, pd.arrays.ArrowStringArray) for array in arrays):
        codes, uniques = pd.factorize(pd.concat(columns, ignore_index=True))
        return codes, pd.Series(uniques)
    chunks = [chunk.cast(pa.large_string()) for array in arrays for chunk in array.__arrow_array__().chunks]
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.large_string()))
    if encoded.num_chunks == 0:
        return np.zeros(0, dtype=np.intp), pd.Series(pd.arrays.ArrowStringArray(
            pa.chunked_array([], type=pa.large_string()), dtype=STR))
    indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks])
    uniques = pa.chunked_array([encoded.chunks[-1].dictionary])
    return (indices.fill_null(-1).to_numpy().astype(np.intp),
            pd.Series(pd.arrays.ArrowStringArray(uniques, dtype=STR)))
