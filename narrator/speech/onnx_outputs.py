"""An ONNX model with one more graph output, made without loading the model in Python.

Piper says how many samples each phoneme lasted when its model's phoneme durations (the output of
its one Ceil node) are a graph output. piper's own way, `onnx.load` and `add_alignment_output`,
parses the whole 60 MB model into Python objects: the process's peak grew by 100 MB (measured with
the joe voice: 153 MB for onnxruntime's session alone, 257 MB through onnx). Here the model file is
only read as protobuf wire format (a few fields, the weights skipped over), and the output is added
by what protobuf does with a message field given twice: it merges them, so a second `graph` holding
just the new output, appended to the file's bytes, adds that output to the graph. onnxruntime then
loads the copy from disk as it loads the original.
"""
from __future__ import annotations

import mmap
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODEL_GRAPH = 7
"""ModelProto.graph (onnx.proto)."""
GRAPH_NODE, GRAPH_OUTPUT = 1, 12
"""GraphProto.node, GraphProto.output."""
NODE_OUTPUT, NODE_OP_TYPE = 2, 4
"""NodeProto.output, NodeProto.op_type."""
VALUE_NAME = 1
"""ValueInfoProto.name."""
LENGTH_DELIMITED = 2
"""The wire type of strings and embedded messages."""


def _varint(buf: bytes | mmap.mmap, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes | mmap.mmap, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(field number, start, end) of each length-delimited field of the message in buf[start:end]; other
    fields are stepped over."""
    i = start
    while i < end:
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = _varint(buf, i)
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        elif wire == LENGTH_DELIMITED:
            size, i = _varint(buf, i)
            if i + size > end:
                raise ValueError("a field runs past its message")
            yield number, i, i + size
            i += size
        else:
            raise ValueError(f"wire type {wire} is not in ONNX files")


def _text(buf: bytes | mmap.mmap, start: int, end: int) -> str:
    return bytes(buf[start:end]).decode("utf-8", "replace")


def outputs_of(buf: bytes | mmap.mmap, op_type: str) -> tuple[list[str], list[str]]:
    """The outputs of the graph's nodes of `op_type`, and the graph's own outputs."""
    nodes: list[str] = []
    graph_outputs: list[str] = []
    for number, start, end in _fields(buf, 0, len(buf)):
        if number != MODEL_GRAPH:
            continue
        for field, a, b in _fields(buf, start, end):
            if field == GRAPH_NODE:
                node: dict[int, list[str]] = {NODE_OUTPUT: [], NODE_OP_TYPE: []}
                for f, x, y in _fields(buf, a, b):
                    if f in node:
                        node[f].append(_text(buf, x, y))
                if node[NODE_OP_TYPE] == [op_type]:
                    nodes += node[NODE_OUTPUT]
            elif field == GRAPH_OUTPUT:
                graph_outputs += [_text(buf, x, y) for f, x, y in _fields(buf, a, b) if f == VALUE_NAME]
    return nodes, graph_outputs


def _field(number: int, payload: bytes) -> bytes:
    key, size = (number << 3) | LENGTH_DELIMITED, len(payload)
    out = bytearray([key])
    while True:
        out.append((size & 0x7F) | (0x80 if size > 0x7F else 0))
        size >>= 7
        if not size:
            return bytes(out) + payload


@contextmanager
def with_output_of(model: Path, op_type: str) -> Iterator[Path | None]:
    """A temporary copy of the ONNX `model` whose graph also outputs what its one node of `op_type`
    makes (deleted when the block ends); the model itself when that is an output already; None when
    the graph has no such node, or several, or the file is no ONNX model."""
    try:
        with open(model, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            nodes, graph_outputs = outputs_of(buf, op_type)
    except (OSError, ValueError, IndexError):
        yield None
        return
    if len(nodes) != 1:
        yield None
        return
    if nodes[0] in graph_outputs:
        yield model
        return
    extra = _field(MODEL_GRAPH, _field(GRAPH_OUTPUT, _field(VALUE_NAME, nodes[0].encode())))
    fd, name = tempfile.mkstemp(prefix="narrator-model-", suffix=".onnx")
    try:
        with os.fdopen(fd, "wb") as out, open(model, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)
            out.write(extra)
        yield Path(name)
    finally:
        os.unlink(name)


__all__ = ["outputs_of", "with_output_of"]
