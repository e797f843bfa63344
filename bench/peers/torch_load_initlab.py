"""Load an InitLab model file into a PyTorch nn.Sequential and report its test accuracy.

    /usr/bin/python3 bench/peers/torch_load_initlab.py MODEL.safetensors DATA_DIR [PREDICTIONS.csv]

MODEL.safetensors was written by `initlab ... --save`: the tensors carry nn.Sequential's
names (0.weight, 0.bias, 2.weight, ...) and the metadata "initlab.layers" and
"initlab.activation" give the architecture, so the model is rebuilt from the file alone and
filled with load_state_dict(strict=True). DATA_DIR holds the MNIST-format files
(t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]). With PREDICTIONS.csv (from
`initlab evaluate --predictions`) it also counts the test images on which PyTorch and InitLab
predict the same class.

The safetensors package is not installed on Debian, so the file is read with struct + json.
"""

import json
import os
import struct
import sys

import numpy as np

from idx import read_idx
import torch
import torch.nn as nn

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    buffer = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(buffer[begin:end], dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.astype(np.float32).reshape(info["shape"]))
    return tensors, metadata


def activation(name):
    name = name.strip().lower()
    if name.startswith("leaky-relu"):
        return nn.LeakyReLU(float(name.split(":")[1]) if ":" in name else 0.01)
    return {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[name]()



def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    tensors, metadata = read_safetensors(sys.argv[1])
    sizes = [int(s) for s in metadata["initlab.layers"].split(",")]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(activation(metadata["initlab.activation"]))
    model = nn.Sequential(*layers)
    model.load_state_dict(tensors, strict=True)
    images = read_idx(sys.argv[2], "t10k-images-idx3-ubyte")
    labels = torch.from_numpy(read_idx(sys.argv[2], "t10k-labels-idx1-ubyte").astype(np.int64))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32)) / 255.0
    with torch.no_grad():
        predictions = model(x).argmax(dim=1)
    accuracy = (predictions == labels).float().mean().item()
    print(f"PyTorch {torch.__version__}, {model}")
    print(f"Accuracy: {accuracy}")
    if len(sys.argv) == 4:
        with open(sys.argv[3]) as f:
            rows = [line.strip().split(",") for line in f.readlines()[1:] if line.strip()]
        initlab = torch.tensor([int(r[2]) for r in rows])
        agree = (initlab == predictions).sum().item()
        print(f"Agreement with InitLab's predictions: {agree} of {len(rows)}")


if __name__ == "__main__":
    main()
