"""A minimal zip writer laid out as PyTorch's ``PyTorchFileWriter`` lays out checkpoints.

Entries are stored uncompressed, and each entry's data starts at a multiple of ``alignment``
bytes from the start of the file (PyTorch pads with an extra field tagged ``FB``), so a reader
may ``mmap`` a storage straight from the file. ZIP64 records are written when a size or an
offset passes 4 GiB or there are more than 65535 entries.
"""
import struct
import zlib

_ZIP64_LIMIT = 0xFFFFFFFF  # sizes and offsets from here on go to ZIP64 extra fields
_MAX_ENTRIES = 0xFFFF
_FULL32, _FULL16 = 0xFFFFFFFF, 0xFFFF  # "see the ZIP64 record" markers
_PAD_TAG = b"FB"


class ZipWriter:
    """Write entries to the binary file object ``f`` (positioned at its start).

    Args:
        f: a writable binary file object.
        alignment (int): data of every entry starts at a multiple of this. Default: 64.
    """

    def __init__(self, f, alignment=64):
        self._f = f
        self._pos = 0
        self._alignment = alignment
        self._central = []

    def _write(self, b):
        self._f.write(b)
        self._pos += len(b)

    def write_record(self, name, data):
        """Add the entry ``name`` holding ``data`` (bytes, str or a C-contiguous buffer)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        view = memoryview(data).cast("B")
        size = view.nbytes
        crc = zlib.crc32(view)
        bname = name.encode("utf-8")
        offset = self._pos
        zip64 = size >= _ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, size) if zip64 else b""
        header_len = 30 + len(bname) + len(extra)
        pad = -(offset + header_len + 4) % self._alignment
        extra += _PAD_TAG + struct.pack("<H", pad) + b"Z" * pad
        small = _FULL32 if zip64 else size
        self._write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0x0800, 0, 0,
                                0x21, crc, small, small, len(bname), len(extra)))
        self._write(bname)
        self._write(extra)
        self._write(view)
        self._central.append((bname, crc, size, offset))

    def close(self):
        """Write the central directory and the end records (does not close the file)."""
        start = self._pos
        for bname, crc, size, offset in self._central:
            fields, extra = [], b""
            if size >= _ZIP64_LIMIT:
                fields += [size, size]
            if offset >= _ZIP64_LIMIT:
                fields.append(offset)
            if fields:
                extra = struct.pack("<HH", 1, 8 * len(fields)) + struct.pack(
                    f"<{len(fields)}Q", *fields)
            small = _FULL32 if size >= _ZIP64_LIMIT else size
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if extra else 20,
                                    0x0800, 0, 0, 0x21, crc, small, small, len(bname),
                                    len(extra), 0, 0, 0, 0,
                                    _FULL32 if offset >= _ZIP64_LIMIT else offset))
            self._write(bname)
            self._write(extra)
        cd_size = self._pos - start
        n = len(self._central)
        big = n > _MAX_ENTRIES or start >= _ZIP64_LIMIT or cd_size >= _ZIP64_LIMIT
        if big:
            end64 = self._pos
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n,
                                    cd_size, start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
        n16 = _FULL16 if big else n
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n16, n16,
                                _FULL32 if big else cd_size, _FULL32 if big else start, 0))
