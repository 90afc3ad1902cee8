"""Byte-size lists as the benchmarks take them on the command line: "1MiB,16MiB,4096"."""

import re

_UNITS = {"": 1, "B": 1, "K": 1024, "KIB": 1024, "M": 1024**2, "MIB": 1024**2, "G": 1024**3, "GIB": 1024**3}


def parse_size(text):
    """Returns the byte count of one size such as "16MiB"; a positive multiple of 4 (float32)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    if not match or match.group(2).upper() not in _UNITS:
        raise ValueError(f"bad size {text!r}: use e.g. 4096, 1KiB, 16MiB, 1GiB")
    size = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if size < 4 or size % 4 != 0:
        raise ValueError(f"size {text!r} must be a positive multiple of 4 bytes")
    return size


def parse_sizes(text):
    """Returns the byte counts of a comma-separated list of sizes."""
    return [parse_size(item) for item in text.split(",") if item.strip()]


def format_size(size):
    """Returns the shortest exact binary-unit spelling: 1048576 -> "1MiB"."""
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size % scale == 0:
            return f"{size // scale}{unit}"
    return f"{size}B"
