"""Shared by the peer programs: MNIST-format IDX files (raw or .gz) and the BLAS in use."""
import gzip
import os
import struct

import numpy as np


def open_idx(data_dir, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(data_dir, candidate)
        if os.path.exists(path):
            return gzip.open(path, "rb") if candidate.endswith(".gz") else open(path, "rb")
    raise FileNotFoundError(f"{name}(.gz) not found in {data_dir}")


def read_idx(data_dir, name):
    """The uint8 array of DIR/NAME(.gz), shaped by its header."""
    with open_idx(data_dir, name) as f:
        raw = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{name}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(raw) - offset < count:
        raise ValueError(f"{name}: truncated ({len(raw) - offset} bytes of data, need {count})")
    return np.frombuffer(raw, dtype=np.uint8, count=count, offset=offset).reshape(dims)


def blas_library():
    """Real path(s) of the BLAS shared library mapped into this process (Debian's torch and
    numpy use whatever libblas.so.3 the alternatives system points at)."""
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                path = parts[-1] if len(parts) >= 6 else ""
                base = os.path.basename(path).lower()
                if ".cpython-" in base:  # scipy/sklearn wrapper modules
                    continue
                if "blas" in base or "mkl_rt" in base or base.startswith("libmkl"):
                    found.add(os.path.realpath(path))
    except OSError:
        return None
    return ",".join(sorted(found)) or None
