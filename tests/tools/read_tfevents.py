#!/usr/bin/env python3
"""Reads the TensorBoard event files of a folder and prints what they hold as JSON:
{"files": N, "scalars": {tag: [[step, value], ...]}, "texts": {tag: [[step, text], ...]}}.

  read_tfevents.py FOLDER OUT.json              # this file's own reader
  read_tfevents.py FOLDER OUT.json tensorboard  # TensorBoard's EventAccumulator (exit 77 without it)

The own reader is independent of xp's writer: it checks each record's length and data against
their masked CRC-32C (computed bit by bit here), decodes the protocol buffers field by field, and
applies TensorBoard's rule for a restart (SessionLog START at step s: points at steps >= s logged
before it are dropped). TensorBoard's own reader comes from ~/.cache/xp/tensorboard
(scripts/get-test-tools.sh)."""
import json
import os
import struct
import sys


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(data, pos):
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def fields(data):
    """(field number, wire type, value) of a message; length-delimited values as bytes."""
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(data, pos)
        elif wire == 1:
            value = data[pos:pos + 8]
            pos += 8
        elif wire == 2:
            length, pos = varint(data, pos)
            value = data[pos:pos + length]
            pos += length
        elif wire == 5:
            value = data[pos:pos + 4]
            pos += 4
        else:
            raise ValueError("wire type %d" % wire)
        yield number, wire, value


def records(path):
    with open(path, "rb") as f:
        blob = f.read()
    pos = 0
    while pos + 12 <= len(blob):
        header = blob[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        if pos + 16 + length > len(blob):
            return  # the last record of a killed writer, cut short: TensorBoard skips it too
        (header_crc,) = struct.unpack("<I", blob[pos + 8:pos + 12])
        if header_crc != masked(header):
            raise ValueError("%s: bad length CRC at byte %d" % (path, pos))
        data = blob[pos + 12:pos + 12 + length]
        (data_crc,) = struct.unpack("<I", blob[pos + 12 + length:pos + 16 + length])
        if data_crc != masked(data):
            raise ValueError("%s: bad data CRC at byte %d" % (path, pos))
        yield data
        pos += 16 + length


def own_reader(folder):
    names = sorted(n for n in os.listdir(folder) if "tfevents" in n)
    scalars, texts = {}, {}
    for name in names:
        first = True
        for data in records(os.path.join(folder, name)):
            event = {number: value for number, _, value in fields(data)}
            step = event.get(2, 0)
            if first:
                assert event.get(3) == b"brain.Event:2", "first event is not the file version"
                first = False
            if 7 in event:  # Event.session_log (6 is the deprecated log_message)
                if dict((n, v) for n, _, v in fields(event[7])).get(1) == 1:  # status START
                    for points in list(scalars.values()) + list(texts.values()):
                        points[:] = [p for p in points if p[0] < step]
            if 5 not in event:
                continue
            for number, _, value in fields(event[5]):
                assert number == 1
                parts = {n: v for n, _, v in fields(value)}
                tag = parts[1].decode()
                if 2 in parts:
                    scalars.setdefault(tag, []).append([step, struct.unpack("<f", parts[2])[0]])
                elif 8 in parts:
                    tensor = {n: v for n, _, v in fields(parts[8])}
                    plugin = {n: v for n, _, v in fields(parts[9])}
                    assert {n: v for n, _, v in fields(plugin[1])}[1] == b"text"
                    assert tensor[1] == 7  # DT_STRING
                    texts.setdefault(tag, []).append([step, tensor[8].decode()])
    return {"files": len(names), "scalars": scalars, "texts": texts}


def tensorboard_reader(folder):
    sys.path.insert(0, os.path.expanduser("~/.cache/xp/tensorboard"))
    try:
        from tensorboard.backend.event_processing import event_accumulator
    except ImportError:
        sys.exit(77)
    accumulator = event_accumulator.EventAccumulator(
        folder, size_guidance={event_accumulator.SCALARS: 0, event_accumulator.TENSORS: 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    scalars = {tag: [[e.step, e.value] for e in accumulator.Scalars(tag)] for tag in tags["scalars"]}
    texts = {tag: [[e.step, e.tensor_proto.string_val[0].decode()] for e in accumulator.Tensors(tag)]
             for tag in tags["tensors"]}
    files = len([n for n in os.listdir(folder) if "tfevents" in n])
    return {"files": files, "scalars": scalars, "texts": texts}


if __name__ == "__main__":
    folder, out = sys.argv[1], sys.argv[2]
    result = tensorboard_reader(folder) if sys.argv[3:] == ["tensorboard"] else own_reader(folder)
    with open(out, "w") as f:
        json.dump(result, f)
